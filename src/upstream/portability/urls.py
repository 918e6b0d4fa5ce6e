from django.urls import URLPattern

app_name = "portability"

urlpatterns: list[URLPattern] = []
