"""Marketing → Campaigns (the screens come next)."""

from django.http import Http404, HttpRequest, HttpResponse


def _missing(request: HttpRequest, pk: object = None) -> HttpResponse:
    raise Http404


campaign_list = campaign_create = campaign_detail = campaign_edit = campaign_preview = _missing
campaign_test = campaign_launch = campaign_cancel = campaign_delete = _missing
