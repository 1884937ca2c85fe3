from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path("files/", views.file_list, name="files"),
    path("files/upload/", views.upload, name="file_upload"),
    path("files/<str:name>/", views.file_page, name="file"),
    path("files/<str:name>/upload/", views.new_version, name="file_new_version"),
    path("files/<str:name>/revert/<int:number>/", views.revert_view, name="file_revert"),
]
if settings.MEDIA_URL.startswith("/"):  # pictures on this server (not in a bucket)
    urlpatterns.append(
        path(settings.MEDIA_URL.lstrip("/") + "<path:path>", views.media, name="media")
    )
