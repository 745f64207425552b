"""URLs of the deal screens: the board, the list, a deal's page, its form and its product lines."""

from django.urls import URLPattern, URLResolver, path

from accord.sales.views import deals as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("board/", views.board, name="board"),
    path("board/<uuid:pipeline>/", views.board, name="board"),
    path("board/<uuid:pipeline>/stages/<uuid:stage>/", views.board_column, name="board-column"),
    path("board/<uuid:pipeline>/totals/", views.board_totals, name="board-totals"),
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/export/", views.deal_export, name="deal-export"),
    path("deals/new/", views.deal_form, name="deal-create"),
    path("deals/<uuid:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<uuid:pk>/edit/", views.deal_form, name="deal-edit"),
    path("deals/<uuid:pk>/move/", views.deal_move, name="deal-move"),
    path("deals/<uuid:pk>/win/", views.deal_win, name="deal-win"),
    path("deals/<uuid:pk>/lose/", views.deal_lose, name="deal-lose"),
    path("deals/<uuid:pk>/delete/", views.deal_delete, name="deal-delete"),
    path("deals/<uuid:pk>/history/", views.deal_history, name="deal-history"),
    path("deals/<uuid:pk>/log/", views.deal_log, name="deal-log"),
    path("deals/<uuid:pk>/amount-from-lines/", views.deal_amount_from_lines, name="deal-amount-from-lines"),
    path("deals/<uuid:pk>/lines/new/", views.line_form, name="deal-line-add"),
    path("deals/<uuid:pk>/lines/price/", views.line_price, name="deal-line-price"),
    path("deals/<uuid:pk>/lines/<int:index>/", views.line_form, name="deal-line-edit"),
    path("deals/<uuid:pk>/lines/<int:index>/remove/", views.line_remove, name="deal-line-remove"),
]
