"""Seed the default return-visit (回访) questions: the four dimensions with their sub-aspects, in both languages."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DEFAULT_QUESTIONS: list[tuple[str, str, str]] = [
    # (dimension, English, Simplified Chinese)
    (
        "catalogue",
        "How easy was it to find the product and plan that fit your needs?",
        "找到适合您需求的商品和方案是否容易？",
    ),
    (
        "catalogue",
        "How clear were the product descriptions, editions and prices?",
        "商品介绍、版本和价格说明是否清晰？",
    ),
    ("product", "Installation: how smooth was installing the product?", "安装：产品安装过程是否顺利？"),
    ("product", "Configuration: how easy was configuring the product?", "配置：产品配置是否方便？"),
    ("product", "Stability: how stable has the product been in use?", "稳定性：产品运行是否稳定？"),
    ("product", "Features: how well do the features meet your needs?", "功能：产品功能是否满足您的需求？"),
    (
        "documentation",
        "How complete and accurate is the documentation?",
        "文档内容是否完整、准确？",
    ),
    (
        "documentation",
        "How easy is it to find what you need in the documentation?",
        "在文档中查找所需内容是否方便？",
    ),
    ("service", "Access: how easy is it to reach our support?", "服务获取：联系我们的技术支持是否方便？"),
    ("service", "Response time: how satisfied are you with how fast we respond?", "响应时间：您对我们的响应速度是否满意？"),
    ("service", "Channel: how well do our support channels suit you?", "服务渠道：我们的服务渠道是否适合您？"),
    (
        "service",
        "Resolution efficiency: how efficiently are your issues resolved?",
        "解决效率：问题解决的效率如何？",
    ),
    ("service", "Attitude: how satisfied are you with our staff's attitude?", "服务态度：您对我们人员的服务态度是否满意？"),
]


def seed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    question = apps.get_model("surveys", "ReturnVisitQuestion")
    if question.objects.exists():
        return
    question.objects.bulk_create(
        question(dimension=dimension, text_en=en, text_zh_hans=zh, position=(index + 1) * 10)
        for index, (dimension, en, zh) in enumerate(DEFAULT_QUESTIONS)
    )


def unseed(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    question = apps.get_model("surveys", "ReturnVisitQuestion")
    question.objects.filter(text_en__in=[en for _d, en, _z in DEFAULT_QUESTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
