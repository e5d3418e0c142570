from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/competitions/<int:contest_id>/board/", consumers.BoardConsumer.as_asgi()),
    path("ws/competitions/<int:contest_id>/jury/", consumers.JuryBoardConsumer.as_asgi()),
    path("ws/judging/", consumers.JudgeConsumer.as_asgi()),
]
