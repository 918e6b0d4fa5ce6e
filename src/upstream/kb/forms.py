"""Forms of the knowledge-base pages. They parse input only; `kb.services` applies every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import Product, ProductVersion
from upstream.kb.models import Article, Category, Language, Status, Visibility
from upstream.kb.services import MAX_COMMENT, MAX_NOTE, MAX_SUMMARY, MAX_TITLE, ArticleFields


class VersionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.name} {obj.name}"


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=MAX_SUMMARY,
        required=False,
        help_text=_("One or two sentences shown in lists and search results."),
    )
    body_markdown = forms.CharField(
        label=_("Body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 22, "class": "kb-source", "spellcheck": "true"}),
        help_text=_("Markdown: # headings, **bold**, `code`, ``` code blocks, lists, tables, [links](https://…)."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices, initial=Visibility.CUSTOMERS)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    versions = VersionChoiceField(
        label=_("Versions"),
        queryset=ProductVersion.objects.select_related("product").order_by("product__name", "-released_on", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leave empty when the article applies to every version."),
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related articles"),
        queryset=Article.objects.filter(status=Status.PUBLISHED).order_by("language", "title"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Shown first under “Related articles”; more are found by category and product."),
    )
    note = forms.CharField(
        label=_("Note on this change"),
        max_length=MAX_NOTE,
        required=False,
        help_text=_("Kept in the revision history."),
    )

    def __init__(self, *args: Any, article: Article | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if article is not None:
            related = self.fields["related"]
            assert isinstance(related, forms.ModelMultipleChoiceField)
            related.queryset = related.queryset.exclude(id=article.id)  # type: ignore[union-attr]

    def article_fields(self) -> ArticleFields:
        data = self.cleaned_data
        return ArticleFields(
            title=data["title"],
            summary=data["summary"],
            body_markdown=data["body_markdown"],
            language=data["language"],
            visibility=data["visibility"],
            category=data["category"],
            clear_category=data["category"] is None,
            products=list(data["products"]),
            versions=list(data["versions"]),
            related=list(data["related"]),
        )

    @staticmethod
    def initial_for(article: Article) -> dict[str, Any]:
        return {
            "title": article.title,
            "summary": article.summary,
            "body_markdown": article.body_markdown,
            "language": article.language,
            "visibility": article.visibility,
            "category": article.category_id,
            "products": list(article.products.all()),
            "versions": list(article.versions.all()),
            "related": list(article.related.all()),
        }


class ManageFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *Status.choices], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Any")), *Language.choices], required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=[("", _("Any")), *Visibility.choices], required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("Any")
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes", empty_value=None
    )
    comment = forms.CharField(
        label=_("What were you looking for? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TranslationLinkForm(forms.Form):
    translation = forms.ModelChoiceField(
        label=_("Existing article in the other language"), queryset=Article.objects.none()
    )

    def __init__(self, *args: Any, article: Article, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["translation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Article.objects.exclude(language=article.language)
            .exclude(translation_group=article.translation_group)
            .order_by("title")
        )
