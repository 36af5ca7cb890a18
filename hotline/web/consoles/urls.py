"""The role consoles: dispatcher, unit workbench, supervisor, reviewer, callback, leader."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.consoles.views import closing, dispatch, hotspots, leader, supervise, unit

urlpatterns: list[URLPattern | URLResolver] = [
    path("dispatch/", dispatch.dispatch_console, name="dispatch"),
    path("dispatch/bulk/", dispatch.dispatch_bulk, name="dispatch-bulk"),
    path("dispatch/units/", dispatch.unit_options, name="dispatch-units"),
    path("dispatch/<str:number>/dispatch/", dispatch.dispatch_one, name="dispatch-one"),
    path("dispatch/<str:number>/rule-return/", dispatch.rule_return, name="dispatch-rule-return"),
    path("dispatch/<str:number>/decide/", dispatch.decide, name="dispatch-decide"),
    path("unit/", unit.unit_console, name="unit"),
    path("unit/units/", unit.below_options, name="unit-units"),
    path("unit/<str:number>/<str:action>/", unit.unit_act, name="unit-act"),
    path("supervise/", supervise.supervise_console, name="supervise"),
    path("supervise/units/", supervise.unit_options, name="supervise-units"),
    path("supervise/complaints/", supervise.file_complaint, name="supervise-complaint"),
    path("supervise/<str:number>/<str:step>/", supervise.escalate, name="supervise-escalate"),
    path("review/", closing.review_console, name="review"),
    path("review/<str:number>/", closing.review_act, name="review-act"),
    path("callback/", closing.callback_console, name="callback"),
    path("callback/<str:number>/", closing.callback_act, name="callback-act"),
    path("callback/<str:number>/archive/", closing.archive_act, name="callback-archive"),
    path("callback/<str:number>/phone/", closing.reveal_phone, name="callback-phone"),
    path("leader/", leader.leader_console, name="leader"),
    path("leader/tickets/", leader.leader_tickets, name="leader-tickets"),
    path("leader/hotspots/", hotspots.hotspot_page, name="leader-hotspots"),
    path("leader/hotspots/push/", hotspots.push_risks, name="leader-risks-push"),
]
