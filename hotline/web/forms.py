"""Forms of the pages: intake, the citizens' portal and the knowledge-base editor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from hotline.knowledge.models import Article
from hotline.tickets.actions.intake import PHONE_RE
from hotline.tickets.citizens import canonical_phone
from hotline.tickets.models import Channel, Emotion, RejectCategory, Satisfaction, TicketType, Urgency

# Magic numbers of the image types the portal accepts; the browser's claim is not trusted.
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
FOLLOW = (("", "按智能建议"),)
# Phones open the number pad for these (and fill the number where the browser knows it).
TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
DIGITS = {"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
INTAKE_OPS = {
    "create": "受理",
    "answer": "即时答复",
    "reject": "不予受理",
    "transfer_police": "转110",
    "merge": "合并",
    "add_contact": "追加到在办工单",
}


def _phone(value: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise forms.ValidationError("请填写联系电话")
        return ""
    if not PHONE_RE.match(value):
        raise forms.ValidationError("电话号码格式不正确")
    return value


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.PHONE)
    phone = forms.CharField(
        label="来电号码",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={**TEL, "autocomplete": "off"}),
    )
    citizen_name = forms.CharField(label="市民姓名", max_length=50, required=False)
    address = forms.CharField(label="地址/地点", max_length=300, required=False)
    # Where it happened, from the map picker (web/_map_picker.html); both or neither.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    title = forms.CharField(label="标题", max_length=200, required=False)
    text = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 7}), max_length=50_000)
    type = forms.ChoiceField(label="诉求类型", choices=FOLLOW + tuple(TicketType.choices), required=False)
    topic = forms.CharField(label="诉求分类", max_length=200, required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=FOLLOW + tuple(Urgency.choices), required=False)
    emotion = forms.ChoiceField(label="情绪倾向", choices=FOLLOW + tuple(Emotion.choices), required=False)
    # What to do with the new ticket (the submit button pressed) and that action's fields.
    op = forms.ChoiceField(choices=tuple(INTAKE_OPS.items()), initial="create")
    answer = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    article = forms.CharField(label="引用知识条目", max_length=20, required=False, widget=forms.HiddenInput)
    reject_category = forms.ChoiceField(
        label="不予受理类别", choices=RejectCategory.choices, initial=RejectCategory.OTHER, required=False
    )
    reject_reason = forms.CharField(label="不予受理理由", max_length=500, required=False)
    police_reason = forms.CharField(label="转110原因", max_length=500, required=False)
    police_ref = forms.CharField(label="110接警编号", max_length=50, required=False)
    merge_into = forms.CharField(label="合并到工单", max_length=16, required=False)
    add_to = forms.CharField(label="追加到在办工单", max_length=16, required=False)
    # From the telephone system's screen-pop; checked by intake (``NewContact.validate``).
    call_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    recording_url = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data.get("phone", ""), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        op = data.get("op")
        required = {
            "answer": ("answer", "即时答复须填写答复内容"),
            "reject": ("reject_reason", "不予受理须填写理由"),
            "transfer_police": ("police_reason", "转110须填写原因"),
            "merge": ("merge_into", "合并须选择或填写主工单编号"),
            "add_contact": ("add_to", "请选择或填写要追加到的在办工单编号"),
        }
        if op in required:
            name, message = required[op]
            if not (data.get(name) or "").strip():
                self.add_error(name, message)
        return data


class PortalForm(forms.Form):
    text = forms.CharField(
        label="您的诉求",
        widget=forms.Textarea(attrs={"rows": 6}),
        min_length=5,
        max_length=2000,
        error_messages={"required": "请填写诉求内容", "min_length": "请至少写 5 个字,说明事情经过"},
    )
    address = forms.CharField(label="事发地点(选填)", max_length=300, required=False)
    # Where it happened, from the map picker (web/_map_picker.html); both or neither.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs=TEL),
        error_messages={"required": "请填写手机号码"},
    )
    citizen_name = forms.CharField(label="姓名(选填)", max_length=50, required=False)
    photo = forms.FileField(label="照片(选填,JPG/PNG/GIF,不超过 5 MB)", required=False)
    # A field people never see: bots that fill every field give themselves away.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def clean_phone(self) -> str:
        phone = _phone(self.cleaned_data.get("phone", ""), required=True)
        if sum(ch.isdigit() for ch in phone) < 7:
            raise forms.ValidationError("请填写完整的电话号码")
        # As intake stores it: the repeat check and the per-minute limit compare like with like.
        return canonical_phone(phone)

    def clean_photo(self) -> UploadedFile | None:
        photo: UploadedFile | None = self.cleaned_data.get("photo")
        if not photo:
            return None
        # Its size was capped while it was read (web.middleware.CappedUploadHandler).
        head = photo.read(16)
        photo.seek(0)
        kind = next((t for sig, t in IMAGE_SIGNATURES.items() if head.startswith(sig)), None)
        if kind is None:
            raise forms.ValidationError("只能上传 JPG、PNG 或 GIF 图片")
        photo.content_type = kind
        return photo


class TrackForm(forms.Form):
    """A ticket's number and what proves it is the citizen's: the query code (查询码) or,
    failing that, the phone's last four digits (a few tries a day per ticket)."""

    number = forms.RegexField(
        label="工单编号",
        regex=r"^\d{8,16}$",
        widget=forms.TextInput(attrs=DIGITS),
        error_messages={"required": "请填写工单编号", "invalid": "工单编号为数字"},
    )
    query_code = forms.CharField(
        label="查询码",
        max_length=20,
        required=False,
        help_text="受理时告知您的 6 位查询码",
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    phone_last4 = forms.RegexField(
        label="或:手机号后四位",
        regex=r"^\d{4}$",
        required=False,
        widget=forms.TextInput(attrs={**DIGITS, "maxlength": "4"}),
        error_messages={"invalid": "请输入手机号后四位数字"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("query_code") and not data.get("phone_last4") and "phone_last4" not in self.errors:
            raise forms.ValidationError("请填写查询码,或手机号后四位")
        return data


class RatingForm(TrackForm):
    rating = forms.ChoiceField(
        label="您对办理结果",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意程度"},
    )
    comment = forms.CharField(
        label="意见建议(选填)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["category", "title", "keywords", "body", "valid_from", "valid_to", "published"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "失效日期不能早于生效日期")
        return data
