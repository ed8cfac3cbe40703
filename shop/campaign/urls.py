from django.urls import path

from shop.campaign.views import HomeView

app_name = "campaign"
urlpatterns = [path("", HomeView.as_view(), name="home")]
