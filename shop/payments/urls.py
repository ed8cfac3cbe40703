from django.urls import path

from shop.payments import views

app_name = "payments"
urlpatterns = [
    path("checkout/stripe/return/", views.payment_return, name="return"),
    path("checkout/stripe/cancelled/", views.payment_cancelled, name="cancelled"),
    path("find-my-order/", views.find_order, name="find-order"),
]
