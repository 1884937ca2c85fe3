from django.urls import path

from . import views
from .feeds import TalkFeed

urlpatterns = [
    path("wiki/<str:slug>/talk/", views.talk, name="talk"),
    path("wiki/<str:slug>/talk/feed/", TalkFeed(), name="talk_feed"),
    path("wiki/<str:slug>/talk/<int:pk>/", views.thread, name="talk_thread"),
    path("wiki/<str:slug>/talk/posts/<int:pk>/report/", views.report_post, name="talk_report"),
]
