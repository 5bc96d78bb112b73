/*
 * CPU kernels for the three custom ops of mediapipe's face_landmark_with_attention.tflite,
 * handed to LiteRT as an external delegate (the interface the Python `load_delegate` loads:
 * tflite_plugin_create_delegate / tflite_plugin_destroy_delegate).
 *
 *   Landmarks2TransformMatrix (v2)  landmarks (1, N, 3) -> 4x4 matrix (1, 4, 4) mapping a
 *       (out_w x out_h) crop grid onto the feature map: a box around a subset of landmarks,
 *       rotated so that the landmark pair (left, right) is horizontal, scaled by scale_x/y.
 *   TransformTensorBilinear (v2)    features (1, H, W, C) + matrix -> (1, oh, ow, C), bilinear
 *       sampling at pixel centres; a sample point outside [0, W-1] x [0, H-1] gives 0.
 *   TransformLandmarks (v2)         points (1, N, 2|3) + matrix -> points mapped by the
 *       matrix's first two rows (z copied).
 *
 * Written from the ops' documented behaviour (mediapipe/util/tflite/operations, Apache-2.0)
 * and their tensor shapes in the model. No LiteRT symbol is linked: the library relies only on
 * the C ABI of TfLiteContext / TfLiteNode / TfLiteTensor / TfLiteRegistration / TfLiteDelegate
 * (tflite/core/c/common.h of LiteRT 1.4.0), declared below with only what is used.
 *
 * Why a delegate: the pinned Python Interpreter loads unresolved custom ops as placeholders
 * that a delegate may claim; its op-resolver registration route needs C++ symbols
 * (tflite::MutableOpResolver::AddCustom) that the wheel does not export.
 *
 * Build: gcc -O2 -shared -fPIC -o libface_ops.so face_ops.c -lm   (scripts/setup does this)
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- LiteRT 1.4.0 C ABI (tflite/core/c/common.h), declared for interoperability ---- */
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
enum { kTfLiteFloat32 = 1 };
enum { kBuiltinCustom = 32 };                     /* BuiltinOperator_CUSTOM */
enum { kTfLiteDelegateFlagsAllowDynamicTensors = 1 };

typedef struct TfLiteIntArray { int size; int data[]; } TfLiteIntArray;

typedef struct TfLiteTensor {
  int type;                                      /* TfLiteType */
  union { float* f; void* raw; } data;           /* TfLitePtrUnion */
  TfLiteIntArray* dims;
  struct { float scale; int32_t zero_point; } params;
  int allocation_type;
  size_t bytes;
  const void* allocation;
  const char* name;
  struct TfLiteDelegate* delegate;
  int buffer_handle;
  bool data_is_stale;
  bool is_variable;
  struct { int type; void* params; } quantization;
  void* sparsity;
  const TfLiteIntArray* dims_signature;
} TfLiteTensor;

typedef struct TfLiteNode {
  TfLiteIntArray* inputs;
  TfLiteIntArray* outputs;
  TfLiteIntArray* intermediates;
  TfLiteIntArray* temporaries;
  void* user_data;
  void* builtin_data;
  const void* custom_initial_data;
  int custom_initial_data_size;
  struct TfLiteDelegate* delegate;
  bool might_have_side_effect;
} TfLiteNode;

struct TfLiteRegistration;
struct TfLiteDelegate;

typedef struct TfLiteContext {
  size_t tensors_size;
  TfLiteStatus (*GetExecutionPlan)(struct TfLiteContext*, TfLiteIntArray**);
  TfLiteTensor* tensors;
  void* impl_;
  TfLiteStatus (*ResizeTensor)(struct TfLiteContext*, TfLiteTensor*, TfLiteIntArray*);
  void (*ReportError)(struct TfLiteContext*, const char* msg, ...);
  TfLiteStatus (*AddTensors)(struct TfLiteContext*, int, int*);
  TfLiteStatus (*GetNodeAndRegistration)(struct TfLiteContext*, int, TfLiteNode**,
                                         struct TfLiteRegistration**);
  TfLiteStatus (*ReplaceNodeSubsetsWithDelegateKernels)(struct TfLiteContext*,
                                                        struct TfLiteRegistration,
                                                        const TfLiteIntArray*,
                                                        struct TfLiteDelegate*);
  /* later fields unused */
} TfLiteContext;

typedef struct TfLiteRegistration {
  void* (*init)(TfLiteContext*, const char* buffer, size_t length);
  void (*free)(TfLiteContext*, void* buffer);
  TfLiteStatus (*prepare)(TfLiteContext*, TfLiteNode*);
  TfLiteStatus (*invoke)(TfLiteContext*, TfLiteNode*);
  const char* (*profiling_string)(const TfLiteContext*, const TfLiteNode*);
  int32_t builtin_code;
  const char* custom_name;
  int version;
  void* registration_external;
  void* (*async_kernel)(TfLiteContext*, TfLiteNode*);
  uint64_t inplace_operator;
} TfLiteRegistration;

typedef struct TfLiteDelegate {
  void* data_;
  TfLiteStatus (*Prepare)(TfLiteContext*, struct TfLiteDelegate*);
  void* CopyFromBufferHandle;
  void* CopyToBufferHandle;
  void* FreeBufferHandle;
  int64_t flags;
  void* opaque_delegate_builder;
} TfLiteDelegate;

typedef struct TfLiteDelegateParams {
  TfLiteDelegate* delegate;
  TfLiteIntArray* nodes_to_replace;
  TfLiteIntArray* input_tensors;
  TfLiteIntArray* output_tensors;
} TfLiteDelegateParams;

/* ---- FlexBuffers: just enough to read a map of scalars and int vectors ---- */
/* Format: https://flatbuffers.dev/internals/#flexbuffers */
enum { FBT_INT = 1, FBT_UINT = 2, FBT_FLOAT = 3, FBT_INDIRECT_INT = 6, FBT_INDIRECT_UINT = 7,
       FBT_INDIRECT_FLOAT = 8, FBT_MAP = 9, FBT_VECTOR = 10, FBT_VECTOR_INT = 11,
       FBT_VECTOR_UINT = 12, FBT_BOOL = 26 };

typedef struct { const uint8_t* p; int width; int type; int child_width; } FlexRef;

static uint64_t fx_uint(const uint8_t* p, int w) {
  uint64_t v = 0;
  for (int i = w - 1; i >= 0; --i) v = (v << 8) | p[i];     /* little endian */
  return v;
}

static int64_t fx_int(const uint8_t* p, int w) {
  uint64_t u = fx_uint(p, w);
  if (w < 8 && (u >> (8 * w - 1)) & 1) u |= ~0ULL << (8 * w);  /* sign extend */
  return (int64_t)u;
}

static double fx_float(const uint8_t* p, int w) {
  if (w == 4) { float f; memcpy(&f, p, 4); return f; }
  if (w == 8) { double d; memcpy(&d, p, 8); return d; }
  return NAN;
}

/* A value stored at p with the parent's width; packed = type << 2 | log2(child width). */
static FlexRef fx_ref(const uint8_t* p, int parent_width, uint8_t packed) {
  FlexRef r = {p, parent_width, packed >> 2, 1 << (packed & 3)};
  return r;
}

static const uint8_t* fx_indirect(FlexRef r) { return r.p - fx_uint(r.p, r.width); }

static bool fx_number(FlexRef r, double* out) {
  switch (r.type) {
    case FBT_INT: case FBT_BOOL: *out = (double)fx_int(r.p, r.width); return true;
    case FBT_UINT: *out = (double)fx_uint(r.p, r.width); return true;
    case FBT_FLOAT: *out = fx_float(r.p, r.width); return true;
    case FBT_INDIRECT_INT: *out = (double)fx_int(fx_indirect(r), r.child_width); return true;
    case FBT_INDIRECT_UINT: *out = (double)fx_uint(fx_indirect(r), r.child_width); return true;
    case FBT_INDIRECT_FLOAT: *out = fx_float(fx_indirect(r), r.child_width); return true;
    default: return false;
  }
}

/* Integer vector (typed int/uint or untyped of ints) -> malloc'd int array; returns size or -1. */
static int fx_int_vector(FlexRef r, int** out) {
  if (r.type != FBT_VECTOR_INT && r.type != FBT_VECTOR_UINT && r.type != FBT_VECTOR) return -1;
  const uint8_t* v = fx_indirect(r);
  int w = r.child_width;
  int n = (int)fx_uint(v - w, w);
  if (n <= 0 || n > 100000) return -1;
  int* a = malloc(sizeof(int) * (size_t)n);
  if (!a) return -1;
  for (int i = 0; i < n; ++i) {
    double d;
    if (r.type == FBT_VECTOR) {
      if (!fx_number(fx_ref(v + i * w, w, v[n * w + i]), &d)) { free(a); return -1; }
    } else {
      d = r.type == FBT_VECTOR_INT ? (double)fx_int(v + i * w, w) : (double)fx_uint(v + i * w, w);
    }
    a[i] = (int)d;
  }
  *out = a;
  return n;
}

/* Look a key up in the root map of a flexbuffer. */
static bool fx_map_get(const uint8_t* buf, size_t len, const char* key, FlexRef* out) {
  if (!buf || len < 3) return false;
  int root_width = buf[len - 1];
  if (root_width != 1 && root_width != 2 && root_width != 4 && root_width != 8) return false;
  if (len < (size_t)(2 + root_width)) return false;
  FlexRef root = fx_ref(buf + len - 2 - root_width, root_width, buf[len - 2]);
  if (root.type != FBT_MAP) return false;
  const uint8_t* m = fx_indirect(root);
  int w = root.child_width;
  if (m < buf + 3 * w || m >= buf + len) return false;
  int n = (int)fx_uint(m - w, w);
  const uint8_t* keys_at = m - 3 * w;
  const uint8_t* keys = keys_at - fx_uint(keys_at, w);
  int kw = (int)fx_uint(m - 2 * w, w);
  for (int i = 0; i < n; ++i) {
    const uint8_t* kp = keys + i * kw;
    const char* k = (const char*)(kp - fx_uint(kp, kw));
    if ((const uint8_t*)k < buf || (const uint8_t*)k >= buf + len) return false;
    if (strcmp(k, key) == 0) {
      *out = fx_ref(m + i * w, w, m[n * w + i]);
      return true;
    }
  }
  return false;
}

static bool fx_get_number(const uint8_t* buf, size_t len, const char* key, double* out) {
  FlexRef r;
  return fx_map_get(buf, len, key, &r) && fx_number(r, out);
}

/* ---- the ops ---- */
typedef enum { OP_L2TM = 1, OP_TTB = 2, OP_TL = 3 } OpKind;

typedef struct {
  OpKind kind;
  int in0, in1, out;
  /* Landmarks2TransformMatrix */
  int left_idx, right_idx, out_w, out_h, n_subset;
  float target_rad, scale_x, scale_y;
  int* subset;
} FaceOp;

/* Parsed options of a Landmarks2TransformMatrix op, exposed for the tests. */
typedef struct {
  int left_idx, right_idx, out_w, out_h, n_subset;
  float target_rad, scale_x, scale_y;
} FaceOpsL2TMInfo;

static const char* parse_l2tm(const uint8_t* buf, size_t len, FaceOp* op) {
  double v;
  FlexRef r;
  if (!fx_get_number(buf, len, "left_rotation_idx", &v)) return "missing left_rotation_idx";
  op->left_idx = (int)v;
  if (!fx_get_number(buf, len, "right_rotation_idx", &v)) return "missing right_rotation_idx";
  op->right_idx = (int)v;
  if (!fx_get_number(buf, len, "output_width", &v)) return "missing output_width";
  op->out_w = (int)v;
  if (!fx_get_number(buf, len, "output_height", &v)) return "missing output_height";
  op->out_h = (int)v;
  if (!fx_get_number(buf, len, "scale_x", &v)) return "missing scale_x";
  op->scale_x = (float)v;
  if (!fx_get_number(buf, len, "scale_y", &v)) return "missing scale_y";
  op->scale_y = (float)v;
  op->target_rad = fx_get_number(buf, len, "target_rotation_radians", &v) ? (float)v : 0.0f;
  if (!fx_map_get(buf, len, "subset_idxs", &r)) return "missing subset_idxs";
  op->n_subset = fx_int_vector(r, &op->subset);
  if (op->n_subset <= 0) return "subset_idxs is not a non-empty integer vector";
  if (op->left_idx < 0 || op->right_idx < 0) return "negative rotation landmark index";
  if (op->out_w <= 0 || op->out_h <= 0) return "output size must be positive";
  if (!(op->scale_x > 0) || !(op->scale_y > 0)) return "scale must be positive";
  for (int i = 0; i < op->n_subset; ++i)
    if (op->subset[i] < 0) return "negative subset index";
  return NULL;
}

int faceops_parse_l2tm(const uint8_t* buf, size_t len, FaceOpsL2TMInfo* info, int* subset,
                       int subset_cap) {
  FaceOp op = {0};
  const char* err = parse_l2tm(buf, len, &op);
  if (err) { free(op.subset); return -1; }
  info->left_idx = op.left_idx; info->right_idx = op.right_idx;
  info->out_w = op.out_w; info->out_h = op.out_h; info->n_subset = op.n_subset;
  info->target_rad = op.target_rad; info->scale_x = op.scale_x; info->scale_y = op.scale_y;
  for (int i = 0; i < op.n_subset && i < subset_cap; ++i) subset[i] = op.subset[i];
  free(op.subset);
  return 0;
}

/* 4x4 row-major: out = a * b */
static void mat4_mul(const float* a, const float* b, float* out) {
  float t[16];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) {
      float s = 0.0f;
      for (int k = 0; k < 4; ++k) s += a[r * 4 + k] * b[k * 4 + c];
      t[r * 4 + c] = s;
    }
  memcpy(out, t, sizeof t);
}

/* Landmarks -> matrix taking crop-grid pixels (x, y, 0, 1) to feature-map pixels:
 * shift(box centre) * rotate(-theta) * scale(box size * scale / out size) * shift(-out size / 2),
 * where theta = target - angle(left -> right) and the box is axis-aligned in the frame rotated
 * by theta. */
static void run_l2tm(const FaceOp* op, const float* lm, float* m) {
  const float* l = lm + 3 * op->left_idx;
  const float* r = lm + 3 * op->right_idx;
  float theta = op->target_rad - atan2f(r[1] - l[1], r[0] - l[0]);
  float c = cosf(theta), s = sinf(theta);
  float xmin = INFINITY, ymin = INFINITY, xmax = -INFINITY, ymax = -INFINITY;
  for (int i = 0; i < op->n_subset; ++i) {
    const float* p = lm + 3 * op->subset[i];
    float x = c * p[0] - s * p[1], y = s * p[0] + c * p[1];
    xmin = fminf(xmin, x); xmax = fmaxf(xmax, x);
    ymin = fminf(ymin, y); ymax = fmaxf(ymax, y);
  }
  float mx = 0.5f * (xmin + xmax), my = 0.5f * (ymin + ymax);
  /* centre back in feature-map coordinates: rotate by -theta */
  float cx = c * mx + s * my, cy = -s * mx + c * my;
  float sx = op->scale_x * (xmax - xmin) / (float)op->out_w;
  float sy = op->scale_y * (ymax - ymin) / (float)op->out_h;
  const float shift[16] = {1, 0, 0, cx, 0, 1, 0, cy, 0, 0, 1, 0, 0, 0, 0, 1};
  const float rot[16] = {c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const float scale[16] = {sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const float centre[16] = {1, 0, 0, -0.5f * op->out_w, 0, 1, 0, -0.5f * op->out_h,
                            0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(shift, rot, m);
  mat4_mul(m, scale, m);
  mat4_mul(m, centre, m);
}

/* Bilinear sampling of (H, W, C) at matrix * (x + 0.5, y + 0.5) - 0.5 for each output pixel. */
static void run_ttb(const float* in, int h, int w, int ch, const float* m, float* out,
                    int oh, int ow) {
  /* pixel-centre convention folded into the translation */
  const float ax = m[0], bx = m[1], tx = m[3] + 0.5f * (m[0] + m[1]) - 0.5f;
  const float ay = m[4], by = m[5], ty = m[7] + 0.5f * (m[4] + m[5]) - 0.5f;
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      float* o = out + ((size_t)oy * ow + ox) * ch;
      float x = ax * ox + bx * oy + tx, y = ay * ox + by * oy + ty;
      if (!(x >= 0.0f && y >= 0.0f && x <= (float)(w - 1) && y <= (float)(h - 1))) {
        memset(o, 0, sizeof(float) * (size_t)ch);
        continue;
      }
      int x0 = (int)floorf(x), y0 = (int)floorf(y);
      float fx = x - x0, fy = y - y0;
      int x1 = x0 + 1 < w ? x0 + 1 : -1, y1 = y0 + 1 < h ? y0 + 1 : -1;  /* -1: outside = 0 */
      const float* q00 = in + ((size_t)y0 * w + x0) * ch;
      const float* q01 = x1 >= 0 ? in + ((size_t)y0 * w + x1) * ch : NULL;
      const float* q10 = y1 >= 0 ? in + ((size_t)y1 * w + x0) * ch : NULL;
      const float* q11 = x1 >= 0 && y1 >= 0 ? in + ((size_t)y1 * w + x1) * ch : NULL;
      float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      for (int k = 0; k < ch; ++k) {
        float v = w00 * q00[k];
        if (q01) v += w01 * q01[k];
        if (q10) v += w10 * q10[k];
        if (q11) v += w11 * q11[k];
        o[k] = v;
      }
    }
  }
}

static void run_tl(const float* pts, int n, int dim, const float* m, float* out) {
  for (int i = 0; i < n; ++i) {
    const float* p = pts + (size_t)i * dim;
    float* o = out + (size_t)i * dim;
    float x = p[0], y = p[1];
    o[0] = m[0] * x + m[1] * y + m[3];
    o[1] = m[4] * x + m[5] * y + m[7];
    if (dim == 3) o[2] = p[2];
  }
}

/* ---- kernel glue ---- */
static const char* op_name(OpKind k) {
  return k == OP_L2TM ? "Landmarks2TransformMatrix" : k == OP_TTB ? "TransformTensorBilinear"
                                                                  : "TransformLandmarks";
}

static OpKind kind_of(const TfLiteRegistration* reg) {
  if (reg->builtin_code != kBuiltinCustom || reg->custom_name == NULL) return 0;
  if (strcmp(reg->custom_name, "Landmarks2TransformMatrix") == 0) return OP_L2TM;
  if (strcmp(reg->custom_name, "TransformTensorBilinear") == 0) return OP_TTB;
  if (strcmp(reg->custom_name, "TransformLandmarks") == 0) return OP_TL;
  return 0;
}

static void* kernel_init(TfLiteContext* ctx, const char* buffer, size_t length) {
  (void)length;
  const TfLiteDelegateParams* params = (const TfLiteDelegateParams*)buffer;
  if (params->nodes_to_replace->size != 1) {
    ctx->ReportError(ctx, "face_ops: expected one node per partition, got %d",
                     params->nodes_to_replace->size);
    return NULL;
  }
  TfLiteNode* node;
  TfLiteRegistration* reg;
  if (ctx->GetNodeAndRegistration(ctx, params->nodes_to_replace->data[0], &node, &reg) != kTfLiteOk)
    return NULL;
  FaceOp* op = calloc(1, sizeof(FaceOp));
  if (!op) return NULL;
  op->kind = kind_of(reg);
  op->in0 = node->inputs->data[0];
  op->in1 = node->inputs->size > 1 ? node->inputs->data[1] : -1;
  op->out = node->outputs->data[0];
  if (op->kind == OP_L2TM) {
    const char* err = parse_l2tm(node->custom_initial_data, (size_t)node->custom_initial_data_size, op);
    if (err) {
      ctx->ReportError(ctx, "face_ops: Landmarks2TransformMatrix options: %s", err);
      free(op->subset);
      free(op);
      return NULL;
    }
  }
  return op;
}

static void kernel_free(TfLiteContext* ctx, void* data) {
  (void)ctx;
  FaceOp* op = data;
  if (op) { free(op->subset); free(op); }
}

static bool dims_are(const TfLiteTensor* t, int n, const int* want) {
  if (t->type != kTfLiteFloat32 || t->dims == NULL || t->dims->size != n) return false;
  for (int i = 0; i < n; ++i)
    if (want[i] >= 0 && t->dims->data[i] != want[i]) return false;
  return true;
}

static TfLiteStatus kernel_prepare(TfLiteContext* ctx, TfLiteNode* node) {
  FaceOp* op = node->user_data;
  if (op == NULL || op->kind == 0) return kTfLiteError;
  const TfLiteTensor* a = &ctx->tensors[op->in0];
  const TfLiteTensor* out = &ctx->tensors[op->out];
  const TfLiteTensor* b = op->in1 >= 0 ? &ctx->tensors[op->in1] : NULL;
  const int mat[3] = {1, 4, 4};
  bool ok;
  switch (op->kind) {
    case OP_L2TM: {
      const int lm[3] = {1, -1, 3};
      ok = dims_are(a, 3, lm) && dims_are(out, 3, mat);
      if (ok) {
        int n = a->dims->data[1], hi = op->left_idx > op->right_idx ? op->left_idx : op->right_idx;
        for (int i = 0; i < op->n_subset; ++i) hi = op->subset[i] > hi ? op->subset[i] : hi;
        ok = hi < n;
      }
      break;
    }
    case OP_TTB: {
      const int feat[4] = {1, -1, -1, -1};
      ok = b && dims_are(a, 4, feat) && dims_are(b, 3, mat) && dims_are(out, 4, feat) &&
           out->dims->data[3] == a->dims->data[3];
      break;
    }
    case OP_TL: {
      const int pts[3] = {1, -1, -1};
      ok = b && dims_are(a, 3, pts) && dims_are(b, 3, mat) && dims_are(out, 3, pts) &&
           (a->dims->data[2] == 2 || a->dims->data[2] == 3) &&
           out->dims->data[1] == a->dims->data[1] && out->dims->data[2] == a->dims->data[2];
      break;
    }
    default: ok = false;
  }
  if (!ok) {
    ctx->ReportError(ctx, "face_ops: %s: tensor shapes are not those of the v2 op", op_name(op->kind));
    return kTfLiteError;
  }
  return kTfLiteOk;
}

static TfLiteStatus kernel_invoke(TfLiteContext* ctx, TfLiteNode* node) {
  const FaceOp* op = node->user_data;
  const TfLiteTensor* a = &ctx->tensors[op->in0];
  TfLiteTensor* out = &ctx->tensors[op->out];
  const TfLiteTensor* b = op->in1 >= 0 ? &ctx->tensors[op->in1] : NULL;
  if (a->data.f == NULL || out->data.f == NULL || (b && b->data.f == NULL)) return kTfLiteError;
  switch (op->kind) {
    case OP_L2TM:
      run_l2tm(op, a->data.f, out->data.f);
      return kTfLiteOk;
    case OP_TTB:
      run_ttb(a->data.f, a->dims->data[1], a->dims->data[2], a->dims->data[3], b->data.f,
              out->data.f, out->dims->data[1], out->dims->data[2]);
      return kTfLiteOk;
    case OP_TL:
      run_tl(a->data.f, a->dims->data[1], a->dims->data[2], b->data.f, out->data.f);
      return kTfLiteOk;
  }
  return kTfLiteError;
}

static TfLiteStatus delegate_prepare(TfLiteContext* ctx, TfLiteDelegate* delegate) {
  TfLiteIntArray* plan;
  if (ctx->GetExecutionPlan(ctx, &plan) != kTfLiteOk) return kTfLiteError;
  /* Copy the plan: each replacement below rewrites it. */
  int n = plan->size, claimed = 0;
  int* nodes = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  if (!nodes) return kTfLiteError;
  for (int i = 0; i < n; ++i) {
    TfLiteNode* node;
    TfLiteRegistration* reg;
    if (ctx->GetNodeAndRegistration(ctx, plan->data[i], &node, &reg) != kTfLiteOk) {
      free(nodes);
      return kTfLiteError;
    }
    if (kind_of(reg)) nodes[claimed++] = plan->data[i];
  }
  /* One partition per op, so every tensor between two ops stays a graph tensor. */
  TfLiteRegistration kernel = {0};
  kernel.init = kernel_init;
  kernel.free = kernel_free;
  kernel.prepare = kernel_prepare;
  kernel.invoke = kernel_invoke;
  kernel.custom_name = "KioskFaceOps";
  kernel.version = 1;
  struct { int size; int data[1]; } one;
  TfLiteStatus status = kTfLiteOk;
  for (int i = 0; i < claimed && status == kTfLiteOk; ++i) {
    one.size = 1;
    one.data[0] = nodes[i];
    status = ctx->ReplaceNodeSubsetsWithDelegateKernels(ctx, kernel, (const TfLiteIntArray*)&one,
                                                        delegate);
  }
  free(nodes);
  return status;
}

TfLiteDelegate* tflite_plugin_create_delegate(char** keys, char** values, size_t n,
                                              void (*report_error)(const char*)) {
  (void)keys; (void)values;
  if (n != 0) {
    if (report_error) report_error("face_ops takes no options");
    return NULL;
  }
  TfLiteDelegate* d = calloc(1, sizeof(TfLiteDelegate));
  if (!d) return NULL;
  d->Prepare = delegate_prepare;
  /* Skip the pre-delegation prepare pass: it would fail on the unresolved custom ops. */
  d->flags = kTfLiteDelegateFlagsAllowDynamicTensors;
  return d;
}

void tflite_plugin_destroy_delegate(TfLiteDelegate* d) { free(d); }

/* Kernel entry points for the tests (numpy arrays through ctypes). */
void faceops_l2tm(const float* lm, int left, int right, float target, const int* subset, int n,
                  int out_w, int out_h, float scale_x, float scale_y, float* m) {
  FaceOp op = {OP_L2TM, 0, 0, 0, left, right, out_w, out_h, n, target, scale_x, scale_y,
               (int*)subset};
  run_l2tm(&op, lm, m);
}

void faceops_ttb(const float* in, int h, int w, int ch, const float* m, float* out, int oh, int ow) {
  run_ttb(in, h, w, ch, m, out, oh, ow);
}

void faceops_tl(const float* pts, int n, int dim, const float* m, float* out) {
  run_tl(pts, n, dim, m, out);
}
