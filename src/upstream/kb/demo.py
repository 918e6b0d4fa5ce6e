"""Demo knowledge base: categories and articles in Chinese and English about the demo products (PostgreSQL,
Kubernetes, Keycloak, Odoo), some linked as translations, some for customers only, one internal, one draft and one
waiting for review.

Called by `upstream generate --demo`; safe to run again (categories by slug, articles by title and language).
Everything goes through `kb.services`, so revisions, workflow and search indexing are exactly as in real use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from upstream.accounts.models import User
from upstream.customers.models import Product
from upstream.kb import services
from upstream.kb.models import Article, Category, Status, Visibility

CATEGORIES = [
    # slug, English, Chinese
    ("getting-started", "Getting started", "入门"),
    ("troubleshooting", "Troubleshooting", "故障排查"),
    ("upgrades", "Upgrades and maintenance", "升级与维护"),
    ("security", "Identity and security", "身份与安全"),
    ("runbooks", "Runbooks (staff)", "运维手册（内部）"),
]


@dataclass
class DemoArticle:
    key: str
    language: str
    title: str
    summary: str
    body: str
    category: str
    products: tuple[str, ...]
    visibility: str = Visibility.PUBLIC
    status: str = Status.PUBLISHED
    author: str = "anna"
    translation_of: str | None = None
    views: int = 0
    votes: tuple[int, int] = (0, 0)
    versions: tuple[str, ...] = field(default=())
    first_draft: str = ""  # an earlier body, so the revision history has a change to show


REPLICATION_EN = """PostgreSQL streaming replicas apply WAL sent by the primary. When a replica falls behind, reads
from it return old data and a failover would lose the unapplied changes.

## 1. Measure the lag

On the **primary**:

```sql
SELECT application_name, client_addr, state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes,
       replay_lag
FROM pg_stat_replication;
```

On the **replica**:

```sql
SELECT now() - pg_last_xact_replay_timestamp() AS replay_delay;
```

## 2. Find the bottleneck

| symptom | likely cause |
| --- | --- |
| `sent_lsn` far behind | network bandwidth or `wal_sender` CPU |
| `write_lsn` ≈ `sent_lsn`, `replay_lsn` behind | replica I/O, or a long query conflicting with replay |
| lag only during nightly jobs | bulk `UPDATE`/`VACUUM FULL` producing large WAL volumes |

A long-running query on the replica blocks replay when `hot_standby_feedback` is off and
`max_standby_streaming_delay` is high. Check `pg_stat_activity` on the replica.

## 3. Fix

- Spread bulk jobs out, or batch them (10,000 rows per transaction).
- Put `pg_wal` on a separate fast disk on the replica.
- Set `max_standby_streaming_delay = 30s` so replay cancels blocking queries instead of waiting.

If the lag keeps growing for more than 15 minutes, open a ticket with the output of both queries above.
"""

REPLICATION_ZH = """PostgreSQL 流复制备库通过回放主库发送的 WAL 保持同步。备库落后时，从备库读取会拿到旧数据，
此时发生故障切换会丢失尚未回放的变更。

## 1. 测量延迟

在**主库**执行：

```sql
SELECT application_name, client_addr, state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes,
       replay_lag
FROM pg_stat_replication;
```

在**备库**执行：

```sql
SELECT now() - pg_last_xact_replay_timestamp() AS replay_delay;
```

## 2. 定位瓶颈

| 现象 | 可能原因 |
| --- | --- |
| `sent_lsn` 落后很多 | 网络带宽不足或 `wal_sender` CPU 繁忙 |
| `write_lsn` 接近 `sent_lsn`，但 `replay_lsn` 落后 | 备库磁盘 I/O，或长查询与回放冲突 |
| 只在夜间批处理时延迟 | 大批量 `UPDATE` / `VACUUM FULL` 产生大量 WAL |

当 `hot_standby_feedback` 关闭且 `max_standby_streaming_delay` 较大时，备库上的长查询会阻塞回放，
请检查备库的 `pg_stat_activity`。

## 3. 处理办法

- 拆分批处理任务（每个事务 1 万行左右）。
- 备库的 `pg_wal` 放到独立的高速磁盘。
- 设置 `max_standby_streaming_delay = 30s`，让回放取消阻塞它的查询而不是一直等待。

如果延迟持续增长超过 15 分钟，请提交工单并附上以上两条查询的输出。
"""

UPGRADE_EN = """`pg_upgrade` moves a cluster to a new major version in minutes instead of hours of dump and restore.

**Before you start**: take a base backup, and read the release notes of every major version you skip.

1. Install PostgreSQL 16 next to 15 (same extensions, same locale).
2. Stop applications, then stop PostgreSQL 15.
3. Run the check first:

   ```bash
   /usr/lib/postgresql/16/bin/pg_upgrade \\
     -b /usr/lib/postgresql/15/bin -B /usr/lib/postgresql/16/bin \\
     -d /var/lib/postgresql/15/main -D /var/lib/postgresql/16/main \\
     --link --check
   ```

4. Run it again without `--check`.
5. Start 16 and run `vacuumdb --all --analyze-in-stages`.

With `--link` the old cluster must not be started again once the new one has run. Keep the backup until the
application has been tested.
"""

UPGRADE_ZH = """`pg_upgrade` 可以在几分钟内完成大版本升级，而不需要耗时数小时的导出导入。

**开始之前**：先做一次基础备份，并阅读跨越的每个大版本的发行说明。

1. 在 15 旁边安装 PostgreSQL 16（相同的扩展、相同的 locale）。
2. 停止应用，再停止 PostgreSQL 15。
3. 先执行检查：

   ```bash
   /usr/lib/postgresql/16/bin/pg_upgrade \\
     -b /usr/lib/postgresql/15/bin -B /usr/lib/postgresql/16/bin \\
     -d /var/lib/postgresql/15/main -D /var/lib/postgresql/16/main \\
     --link --check
   ```

4. 去掉 `--check` 再执行一次。
5. 启动 16，执行 `vacuumdb --all --analyze-in-stages`。

使用 `--link` 时，新集群启动后就不能再启动旧集群。在应用测试通过之前请保留备份。
"""

NOTREADY_ZH = """节点状态为 `NotReady` 时，调度器不会再把 Pod 调度到该节点，已有 Pod 在超时后会被驱逐。

## 快速检查

```bash
kubectl describe node <节点名> | sed -n '/Conditions/,/Addresses/p'
journalctl -u kubelet --since "30 min ago" | tail -50
```

## 常见原因

1. **kubelet 停止或证书过期**：日志中出现 `x509: certificate has expired`。参见《续期 kubeadm 证书》。
2. **磁盘压力**：`DiskPressure=True`，清理 `/var/lib/containerd` 中无用镜像：`crictl rmi --prune`。
3. **CNI 插件异常**：`NetworkPluginNotReady`，检查 `kube-system` 中 calico / cilium 的 Pod。
4. **时间不同步**：节点与控制面时间相差过大，检查 `chronyc tracking`。

处理后节点一般会在一分钟内恢复 `Ready`。如果多个节点同时 NotReady，请按 P1 提交工单。
"""

CERTS_EN = """kubeadm issues control-plane certificates valid for **one year**. When they expire, `kubectl` fails with
`x509: certificate has expired or is not yet valid` and the API server stops accepting kubelets.

Check the dates on each control-plane node:

```bash
kubeadm certs check-expiration
```

Renew everything and restart the static Pods:

```bash
kubeadm certs renew all
crictl pods --namespace kube-system --name 'kube-apiserver|kube-controller-manager|kube-scheduler|etcd' -q \\
  | xargs -r crictl stopp
```

Then copy the new `/etc/kubernetes/admin.conf` to wherever your admins keep their kubeconfig.

> A cluster upgrade with `kubeadm upgrade apply` renews the certificates too; clusters upgraded at least once a
> year never hit this.
"""

CERTS_ZH = """kubeadm 签发的控制面证书有效期为**一年**。过期后 `kubectl` 会报
`x509: certificate has expired or is not yet valid`，API Server 也不再接受 kubelet 连接。

在每个控制面节点上检查到期时间：

```bash
kubeadm certs check-expiration
```

续期全部证书并重启静态 Pod：

```bash
kubeadm certs renew all
crictl pods --namespace kube-system --name 'kube-apiserver|kube-controller-manager|kube-scheduler|etcd' -q \\
  | xargs -r crictl stopp
```

然后把新的 `/etc/kubernetes/admin.conf` 分发给管理员使用的 kubeconfig。

> 使用 `kubeadm upgrade apply` 升级集群也会续期证书；每年至少升级一次的集群不会遇到这个问题。
"""

KEYCLOAK_EN = """If nobody can sign in to the Keycloak admin console any more, create a temporary admin from the
server itself. Since Keycloak 26 this is a built-in command:

```bash
bin/kc.sh bootstrap-admin user --username tmpadm --password:env KC_TMP_PASSWORD
```

Sign in as `tmpadm` in the **master** realm, reset the password of the real admin account
(*Users → admin → Credentials → Reset password*), sign in as that admin and **delete `tmpadm`**.

On Keycloak 24–25 set `KEYCLOAK_ADMIN` and `KEYCLOAK_ADMIN_PASSWORD` and restart once instead; the variables are
only read while the master realm has no admin user, so remove the existing one through the database only as a last
resort and with a backup.
"""

KEYCLOAK_ZH = """如果已经没有人能登录 Keycloak 管理控制台，可以在服务器上创建一个临时管理员。
Keycloak 26 起提供了内置命令：

```bash
bin/kc.sh bootstrap-admin user --username tmpadm --password:env KC_TMP_PASSWORD
```

用 `tmpadm` 登录 **master** realm，重置原管理员账号的密码（*用户 → admin → 凭据 → 重置密码*），
再用原管理员登录，并**删除 `tmpadm`**。

Keycloak 24–25 则设置 `KEYCLOAK_ADMIN` 和 `KEYCLOAK_ADMIN_PASSWORD` 环境变量后重启一次；
这两个变量只在 master realm 没有管理员时生效。
"""

LDAP_ZH = """Keycloak 可以把 LDAP 或 Active Directory 作为用户存储（User Federation）。

1. 进入目标 realm，*User federation → Add LDAP provider*。
2. **Vendor** 选择 *Active Directory* 或 *Other*。
3. **Connection URL** 填 `ldaps://dc01.example.cn:636`，先点击 *Test connection*。
4. **Bind DN** 使用只读服务账号，例如 `CN=svc-keycloak,OU=Service,DC=example,DC=cn`。
5. **Users DN** 填用户所在的 OU；**Username LDAP attribute** 对 AD 通常为 `sAMAccountName`。
6. 保存后点击 *Synchronize all users*。

常见问题：

- 中文姓名显示为乱码：确认 LDAP 属性映射使用 `displayName`，并且目录服务器返回 UTF-8。
- 登录很慢：开启 *Connection pooling*，并把 *Pagination* 设为开启。
"""

ODOO_ACCESS_EN = """After upgrading a module, users may get **Access Denied** on menus they used every day. The
upgrade replaced the module's access rules (`ir.model.access.csv`) and security groups, and custom rights that were
added by hand in the database are gone.

1. Turn on developer mode (*Settings → Activate the developer mode*).
2. Open *Settings → Technical → Security → Access Rights* and filter by the model named in the error.
3. Compare with the groups of the affected user (*Settings → Users → the user → Access Rights*).

Put the rights you need into a small custom module instead of editing them in the database, so the next upgrade
keeps them:

```csv
id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
access_stock_picking_sales,stock.picking sales,stock.model_stock_picking,sales_team.group_sale_salesman,1,0,0,0
```
"""

ODOO_PDF_ZH = """Odoo 生成的发票 PDF 中文显示为方块或空白，通常是服务器缺少中文字体，wkhtmltopdf 无法渲染。

```bash
sudo apt-get install fonts-noto-cjk fonts-wqy-microhei
fc-list :lang=zh | head
sudo systemctl restart odoo
```

另外请确认：

- 使用的是 Odoo 官方推荐的 **wkhtmltopdf 0.12.6（patched qt）** 版本；
- 报表模板中没有写死只含拉丁字符的字体（例如 `font-family: Lato` 而没有后备字体）。

重启后重新打印发票即可，无需重新生成已确认的发票。
"""

RUNBOOK_EN = """**Internal — do not share with customers.**

When a customer reports `invalid page in block` or `could not read block`:

1. Set the ticket to P1 and page the database on-call.
2. Ask for the exact error, the PostgreSQL version, and whether `data_checksums` is on (`SHOW data_checksums;`).
3. **Do not** let the customer run `zero_damaged_pages = on` or `pg_resetwal` before we have a file-level copy.
4. Take a file-level copy of the data directory with the server stopped.
5. Identify the damaged relation: `SELECT relname FROM pg_class WHERE relfilenode = <n>;`.
6. If it is an index: `REINDEX INDEX CONCURRENTLY …`. If it is a table, restore from the last good base backup
   plus WAL, into a separate instance, and copy the rows over.

Record the hardware/storage details in the ticket: corruption is almost always below PostgreSQL.
"""

ODOO18_DRAFT_EN = """Checklist for moving a customer from Odoo 17 to 18 (work in progress).

- [ ] Inventory of custom modules and their maintainers
- [ ] Test database restored from production
- [ ] Upgrade request on upgrade.odoo.com
- [ ] Accounting: lock dates and open reconciliations
- [ ] TODO: e-commerce theme changes
"""

INGRESS_EN = """A 502 from the ingress controller means it reached no healthy backend.

1. `kubectl get endpoints <service>`: an empty list means the Service selector matches no ready Pod.
2. `kubectl describe pod`: failing readiness probes keep Pods out of the endpoints.
3. Check that `targetPort` is the port the container really listens on.
4. In the ingress controller logs, `upstream prematurely closed connection` points at an application timeout;
   raise `proxy-read-timeout` only after checking the application.
"""

ARTICLES = [
    DemoArticle(
        "repl-en", "en", "Diagnosing PostgreSQL replication lag",
        "Measure how far a streaming replica is behind, find the bottleneck and fix it.",
        REPLICATION_EN, "troubleshooting", ("PostgreSQL",), views=412, votes=(37, 4),
        first_draft=REPLICATION_EN.split("## 2.")[0] + "More on finding the bottleneck soon.\n",
    ),
    DemoArticle(
        "repl-zh", "zh-hans", "PostgreSQL 主从复制延迟排查",
        "测量流复制备库落后多少，定位瓶颈并处理。",
        REPLICATION_ZH, "troubleshooting", ("PostgreSQL",), author="wang.fang", translation_of="repl-en",
        views=655, votes=(58, 6),
    ),
    DemoArticle(
        "upgrade-en", "en", "Upgrading PostgreSQL 15 to 16 with pg_upgrade",
        "A major-version upgrade in minutes, with the checks to run first.",
        UPGRADE_EN, "upgrades", ("PostgreSQL",), visibility=Visibility.CUSTOMERS, views=198, votes=(21, 1),
        versions=("15", "16"),
    ),
    DemoArticle(
        "upgrade-zh", "zh-hans", "使用 pg_upgrade 将 PostgreSQL 15 升级到 16",
        "几分钟完成大版本升级，以及升级前需要做的检查。",
        UPGRADE_ZH, "upgrades", ("PostgreSQL",), visibility=Visibility.CUSTOMERS, author="wang.fang",
        translation_of="upgrade-en", views=241, votes=(19, 2), versions=("15", "16"),
    ),
    DemoArticle(
        "notready-zh", "zh-hans", "Kubernetes 节点 NotReady 的常见原因与处理",
        "kubelet、证书、磁盘压力、CNI 和时间同步：逐项排查节点 NotReady。",
        NOTREADY_ZH, "troubleshooting", ("Kubernetes",), author="li.wei", views=530, votes=(44, 7),
    ),
    DemoArticle(
        "certs-en", "en", "Renewing kubeadm certificates before they expire",
        "Control-plane certificates last one year; check and renew them without downtime.",
        CERTS_EN, "upgrades", ("Kubernetes",), visibility=Visibility.CUSTOMERS, author="james", views=167,
        votes=(15, 0),
    ),
    DemoArticle(
        "certs-zh", "zh-hans", "续期 kubeadm 证书",
        "控制面证书有效期一年：如何检查并在不停机的情况下续期。",
        CERTS_ZH, "upgrades", ("Kubernetes",), visibility=Visibility.CUSTOMERS, author="li.wei",
        translation_of="certs-en", views=289, votes=(26, 1),
    ),
    DemoArticle(
        "kc-admin-en", "en", "Keycloak: regaining access when the admin password is lost",
        "Create a temporary admin with kc.sh bootstrap-admin, reset the real admin, delete the temporary one.",
        KEYCLOAK_EN, "security", ("Keycloak",), author="james", views=301, votes=(33, 3), versions=("26.0", "26.1"),
    ),
    DemoArticle(
        "kc-admin-zh", "zh-hans", "Keycloak：找回管理员密码",
        "用 kc.sh bootstrap-admin 创建临时管理员，重置原管理员密码后删除临时账号。",
        KEYCLOAK_ZH, "security", ("Keycloak",), author="li.wei", translation_of="kc-admin-en", views=276,
        votes=(29, 2), versions=("26.0", "26.1"),
    ),
    DemoArticle(
        "kc-ldap-zh", "zh-hans", "Keycloak 对接 LDAP / Active Directory",
        "配置 User Federation，并解决中文姓名乱码和登录慢的问题。",
        LDAP_ZH, "getting-started", ("Keycloak",), visibility=Visibility.CUSTOMERS, author="li.wei", views=143,
        votes=(12, 2),
    ),
    DemoArticle(
        "odoo-access-en", "en", "Odoo 17: “Access Denied” after a module upgrade",
        "The upgrade replaced hand-made access rights; put them into a module so they survive the next one.",
        ODOO_ACCESS_EN, "troubleshooting", ("Odoo",), author="wang.fang", views=122, votes=(9, 3),
        versions=("17.0",),
    ),
    DemoArticle(
        "odoo-pdf-zh", "zh-hans", "Odoo 发票 PDF 中文显示为方块的解决办法",
        "安装中文字体并确认 wkhtmltopdf 版本。",
        ODOO_PDF_ZH, "troubleshooting", ("Odoo",), author="wang.fang", views=388, votes=(41, 2),
    ),
    DemoArticle(
        "runbook-en", "en", "Runbook: suspected PostgreSQL data corruption",
        "What to ask, what not to let the customer run, and how to recover. Staff only.",
        RUNBOOK_EN, "runbooks", ("PostgreSQL",), visibility=Visibility.INTERNAL, views=57,
    ),
    DemoArticle(
        "odoo18-en", "en", "Odoo 17 → 18 upgrade checklist",
        "Work in progress.",
        ODOO18_DRAFT_EN, "upgrades", ("Odoo",), visibility=Visibility.CUSTOMERS, status=Status.DRAFT,
        author="james",
    ),
    DemoArticle(
        "ingress-en", "en", "Kubernetes ingress returns 502: a checklist",
        "Endpoints, readiness probes, target ports and timeouts, in that order.",
        INGRESS_EN, "troubleshooting", ("Kubernetes",), status=Status.REVIEW, author="li.wei",
    ),
]  # fmt: skip


def _categories() -> dict[str, Category]:
    found = {}
    for position, (slug, name_en, name_zh) in enumerate(CATEGORIES):
        category, _ = Category.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh, "position": position}
        )
        found[slug] = category
    return found


def _author(username: str, fallback: User) -> User:
    return User.objects.filter(username=username).first() or fallback


@transaction.atomic
def load_kb_demo(*, by: User) -> int:
    """Create the demo categories and articles that do not exist yet; `by` (an admin) reviews and publishes."""
    categories = _categories()
    products = {p.name: p for p in Product.objects.prefetch_related("versions")}
    created: dict[str, Article] = {}
    for spec in ARTICLES:
        existing = Article.objects.filter(title=spec.title, language=spec.language).first()
        if existing is not None:
            created[spec.key] = existing
            continue
        chosen = [products[name] for name in spec.products if name in products]
        versions = [v for p in chosen for v in p.versions.all() if v.name in spec.versions]
        article = services.create_article(
            by=_author(spec.author, by),
            fields=services.ArticleFields(
                title=spec.title,
                summary=spec.summary,
                body_markdown=spec.first_draft or spec.body,
                language=spec.language,
                visibility=spec.visibility,
                category=categories[spec.category],
                products=chosen,
                versions=versions,
            ),
            translation_of=created.get(spec.translation_of) if spec.translation_of else None,
        )
        if spec.first_draft:
            services.update_article(
                by=article.author,
                article=article,
                fields=services.ArticleFields(body_markdown=spec.body),
                note="Added the bottleneck table and the fixes",
            )
        if spec.status in (Status.REVIEW, Status.PUBLISHED):
            services.submit_for_review(by=article.author, article=article)
        if spec.status == Status.PUBLISHED:
            services.publish(by=by, article=article)
        # Readers' numbers as a knowledge base in use for a while would have them (demo only: no feedback rows).
        Article.objects.filter(id=article.id).update(
            view_count=spec.views, helpful_count=spec.votes[0], not_helpful_count=spec.votes[1]
        )
        created[spec.key] = article
    return len(created)
