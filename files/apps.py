from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "files"
    verbose_name = "Files"

    def ready(self):
        from django.conf import settings

        from wiki.rendering import sanitize

        # Pictures in a text may come only from where this wiki stores its files.
        sanitize.IMAGE_PREFIXES = (settings.MEDIA_URL,)
