"""The knowledge base in the Django admin: categories are edited here (they have no page of their own); articles,
revisions and feedback are for inspection. Articles are written on /kb/manage/, which keeps revisions, the review
workflow and the search index right, so their content is read-only here."""

from django.contrib import admin
from django.http import HttpRequest

from upstream.kb.models import Article, ArticleFeedback, ArticleRevision, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_zh", "slug", "parent", "position")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name_en",)}
    search_fields = ("name_en", "name_zh", "slug")


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "title", "author", "note", "created_at")
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "visibility", "status", "category", "author", "view_count", "updated_at")
    list_filter = ("status", "visibility", "language", "category")
    list_select_related = ("category", "author")
    search_fields = ("title", "summary")
    readonly_fields = (
        "translation_group", "language", "title", "slug", "summary", "body_markdown", "visibility", "status",
        "category", "author", "reviewer", "published_at", "view_count", "helpful_count", "not_helpful_count",
        "source_ticket", "created_at", "updated_at",
    )  # fmt: skip
    exclude = ("body_html", "products", "versions", "related")
    inlines = (RevisionInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ("article", "helpful", "comment", "user", "created_at")
    list_filter = ("helpful",)
    list_select_related = ("article", "user")
    readonly_fields = ("article", "helpful", "comment", "user", "session_key", "created_at", "updated_at")
