"""Open data downloads, mounted at ``/transparency/`` outside the language prefix; the README documents each."""

from django.urls import path

from donations.views import open_data

app_name = "open-data"

urlpatterns = [
    path("ledger.csv", open_data.export, {"kind": "csv"}, name="ledger-csv"),
    path("ledger.json", open_data.export, {"kind": "json"}, name="ledger-json"),
    path("ledger.beancount", open_data.export, {"kind": "beancount"}, name="ledger-beancount"),
    path("iati.xml", open_data.export, {"kind": "iati"}, name="iati"),
]
