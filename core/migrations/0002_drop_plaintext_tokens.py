from django.db import migrations


def forget_authtoken(apps, schema_editor):
    """DRF's authtoken app is gone: drop its permissions (with its content type) so no group can hold them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    """DRF's plain-text tokens (rest_framework.authtoken) are replaced by core.ApiToken, stored hashed. The old
    table held live keys in clear: it is dropped, not kept. Partners are issued new tokens (manage.py issue_token).
    """

    dependencies = [
        ("core", "0001_api_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(forget_authtoken, migrations.RunPython.noop),
    ]
