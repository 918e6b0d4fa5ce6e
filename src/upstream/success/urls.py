from django.urls import URLPattern

app_name = "success"

urlpatterns: list[URLPattern] = []
