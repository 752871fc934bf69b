from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("besprekingen/", views.review_list, name="review_list"),
    path("besprekingen/nieuw/", views.review_create, name="review_create"),
    path("besprekingen/<int:pk>/", views.review_detail, name="review_detail"),
    path("besprekingen/<int:pk>/bijwerken/", views.review_refresh, name="review_refresh"),
    path("besprekingen/<int:pk>/agenda/", views.review_add_item, name="review_add_item"),
    path("agendapunten/<int:pk>/", views.review_item_save, name="review_item_save"),
    path("agendapunten/<int:pk>/verwijderen/", views.review_item_remove, name="review_item_remove"),
    path("agendapunten/<int:pk>/acties/", views.review_action_add, name="review_action_add"),
    path("acties/", views.my_actions, name="my_actions"),
    path("acties/<int:pk>/afgerond/", views.action_done, name="action_done"),
    path("gesprek/<int:student_pk>/nieuw/", views.conversation_create, name="conversation_create"),
    path("gesprek/<int:student_pk>/<int:pk>/bewerken/", views.conversation_edit,
         name="conversation_edit"),
]
