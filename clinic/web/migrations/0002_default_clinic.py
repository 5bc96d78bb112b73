"""The default clinic: devices no admin has assigned belong to it (clinic.web.models.DEFAULT_CLINIC)."""
from django.db import migrations


def add_default(apps, schema_editor):  # noqa: ANN001, ANN201
    apps.get_model("clinicweb", "Clinic").objects.get_or_create(id="default", defaults={"name": "Default clinic"})


class Migration(migrations.Migration):
    dependencies = [("clinicweb", "0001_initial")]
    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]
