from django.urls import path

from accord.analytics.views import insights

urlpatterns = [
    path("products/", insights.product_profitability, name="products-profitability"),
    path("forecast/", insights.revenue_forecast, name="revenue-forecast"),
    path("roi/", insights.crm_return, name="crm-return"),
]
