"""Chinese demo conversations."""

from __future__ import annotations

from upstream.tickets.demo.scenarios import Phrases, Scenario

PHRASES = Phrases(
    more_info=(
        "感谢反馈。请提供问题发生时段的相关日志，以及您正在使用的 $product 具体版本号。",
        "收到，我们正在排查。请问问题出现前环境是否有变更（升级、配置修改、网络调整等）？",
    ),
    second_ask=(
        "谢谢，这些信息很有帮助。另外请把第二个节点的同样输出也发给我们，方便对比。",
        "收到。在我们做任何变更之前，请确认一个可以重启服务的维护窗口。",
    ),
    testing=(
        "好的，我们明天先在测试环境验证，之后反馈结果。",
        "明白，我们今晚变更窗口内操作，完成后告知您。",
    ),
    thanks=(
        "已确认恢复正常，感谢快速支持！",
        "我们这边验证没问题了，可以关闭工单。",
        "谢谢，问题已解决，辛苦了。",
    ),
    reopen=(
        "今天上午问题又出现了，报错和之前一样。",
        "我们按建议修改了配置，但还有一个节点有同样的问题。",
    ),
    reopen_answer=(
        "感谢反馈。剩下的那个节点还在使用旧配置，重新加载后问题已消失。如果再次出现请随时告诉我们。",
        "备库上的修改之前没有生效，刚才电话里我们一起完成了操作，现在两个节点都正常。",
    ),
    escalation_note=(
        "已在实验环境用客户版本复现，升级给研发处理，疑似上游缺陷。",
        "需要改代码，转研发跟进。已告知客户修复需要几天时间。",
    ),
    engineering_update=(
        "我们已经复现了该问题，研发团队正在准备修复补丁，最晚本周五前给您更新进展。",
        "进展更新：修复补丁已提交上游评审，合并后我们会第一时间提供修补版本。",
    ),
    duplicate_note=("与该联系人之前提交的工单重复，关闭此单。",),
    triage_note=(
        "客户下午四点和我们开电话会，工单先留在我这里。",
        "已核对合同：在服务范围内，SLA 内响应。",
    ),
    hosts={
        "PostgreSQL": ("db-prod-01", "pg-sh-02", "pg-bj-01"),
        "Kubernetes": ("k8s-prod-sh", "node-12", "worker-03"),
        "Keycloak": ("sso.yunqi.local", "keycloak-1"),
        "Odoo": ("erp-app-1", "odoo-prod"),
        "": ("app-prod-1",),
    },
    environments=(
        "CentOS 7 升级到 Rocky Linux 9，三节点，Patroni + etcd",
        "阿里云 ECS，两节点流复制",
        "RKE2，3 个控制节点 + 8 个工作节点，裸金属",
        "单台虚拟机 Docker Compose 部署（8 核 32 GB）",
    ),
    recent_changes=(
        "上周末做了小版本升级。",
        "两周前迁移到了新的存储。",
        "据我们所知没有变更。",
    ),
    access_notes=(
        "通过堡垒机 VPN 访问，账号在共享密码库“厂商支持”条目中。",
        "只能由我方人员操作共享屏幕。",
    ),
)

SCENARIOS = (
    Scenario(
        "Kubernetes",
        "outage",
        "生产集群 $host 所有节点 NotReady",
        "今天 09:00 开始，生产集群 $host 的所有工作节点变成 NotReady，kubelet 日志报 “x509: certificate has expired "
        "or is not yet valid”。Kubernetes $version，kubeadm 部署。业务全部中断，请尽快处理！",
        "请在每个控制节点执行 `kubeadm certs renew all`，然后重启静态 Pod（把 /etc/kubernetes/manifests 下的清单移出"
        "再移回），再重启各工作节点的 kubelet，节点几分钟内会恢复 Ready。kubeadm 每次升级都会自动续期证书，建议每年至"
        "少"
        "升级一次以避免再次发生。",
        ask="我们已在处理。请在控制节点执行 `kubeadm certs check-expiration` 并把输出发给我们，暂时不要重启控制节点。",
        details="输出见附件：apiserver-kubelet-client 和 front-proxy-client 今天到期。",
        note="本季度第二个 kubeadm 证书过期的客户，建议在巡检中加入证书有效期检查。",
        tags=("证书", "outage"),
        platform="on_premises",
        attachment=(
            "check-expiration.txt",
            "CERTIFICATE                EXPIRES                  RESIDUAL TIME\n"
            "apiserver-kubelet-client   Mar 03, 2025 09:00 UTC   <invalid>\n",
        ),
    ),
    Scenario(
        "Kubernetes",
        "defect",
        "升级到 $version 后 Pod 一直处于 ContainerCreating",
        "集群升级到 $version 之后，调度到 $host 的新 Pod 一直卡在 ContainerCreating，事件里显示 “failed to assign an "
        "IP address to container”。",
        "节点网段是 /25，只有 126 个地址，而 Calico 3.27.0 的 IPAM 缺陷导致已删除 Pod 的 IP 没有释放（3.27.3 已修复）"
        "。"
        "请升级 Calico 到 3.27.3 及以上；临时处理可执行 `calicoctl ipam check --show-problem-ips` 并释放泄漏的地址。",
        ask="请问使用的是哪个 CNI 及版本？$host 上目前调度了多少个 Pod？可能是 IP 地址池耗尽。",
        details="Calico 3.27.0，这个节点上有 110 个 Pod，节点网段是 /25。",
        note="上游 Calico 已知问题，等缺陷跟踪集成上线后关联。",
        tags=("网络", "calico"),
        platform="private_cloud",
    ),
    Scenario(
        "Kubernetes",
        "howto",
        "如何在不停机的情况下轮换 Secret 中的数据库密码",
        "我们的数据库密码保存在 Kubernetes Secret 中，想定期轮换。有没有推荐做法，避免手工逐个重启 Deployment？",
        "在 Pod 模板上加一个 Secret 内容的校验和注解（Helm 中常用 checksum/secret），Secret 变化时 Argo CD 会滚动更新"
        "；"
        "切换期间让新旧两个密码同时有效即可做到不停机。也可以使用 Stakater Reloader 自动重启。",
        ask="请问是否使用外部密钥管理（Vault、云厂商 KMS），还是由 CI 直接创建普通 Secret？",
        details="普通 Secret，由 Argo CD 从 sealed secrets 生成。",
        tags=("secret", "gitops"),
    ),
    Scenario(
        "Kubernetes",
        "onboarding",
        "首个生产集群上线前的架构评审",
        "我们刚装好第一个生产集群（$version，3 个控制节点、6 个工作节点），下个月上线，能否帮忙做一次上线前评审？",
        "评审已完成，报告见附件。主要问题：etcd 与容器镜像共用磁盘（建议迁到独立 SSD）；Ingress 控制器没有配置 "
        "PodDisruptionBudget；Longhorn 生产卷副本数为 1（建议 3）。其余配置可以按计划上线。",
        ask="没问题。请运行我们的集群巡检脚本（知识库文章《健康检查》），把生成的压缩包发给我们；脚本只收集版本、节点"
        "状态、"
        "RBAC 和网络策略，不包含密钥。",
        details="压缩包已上传。另外我们的存储用的是 Longhorn。",
        note="评审用时 3.5 小时，计入咨询工时。",
        tags=("巡检",),
        platform="on_premises",
    ),
    Scenario(
        "Keycloak",
        "outage",
        "统一登录 502，所有用户无法登录",
        "统一登录（Keycloak $version）从 20 分钟前开始对所有用户返回 502 Bad Gateway，内部所有系统都受影响。",
        "每个 Keycloak 节点连接池上限 100，4 个副本在早高峰超过了数据库 max_connections=300。建议把 db-pool-max-size "
        "调到 50，或在前面加 PgBouncer；我们推荐调整连接池并把 max_connections 提高到 400。重启后登录已恢复。",
        ask="请提供 Keycloak Pod 日志（`kubectl logs -n keycloak sts/keycloak --since=1h`），并确认 Pod 能否连上数据"
        "库。",
        details="日志里有 “Acquisition timeout while waiting for new connection”，数据库连接数已经打满。",
        note="客户在我们回复前自行重启了数据库，已发送事故分析报告。",
        tags=("sso", "outage"),
        platform="private_cloud",
    ),
    Scenario(
        "Keycloak",
        "defect",
        "LDAP 同步后大用户组成员丢失",
        "升级到 Keycloak $version 后，LDAP 组映射器在定时同步时会把超过 1500 人的组里的成员移除。",
        "组映射器没有处理 Active Directory 的分段读取（member;range=0-1499），上游已在 26.1.2 修复。升级之前可以把映"
        "射器"
        "改为 “Membership user LDAP attribute” 模式（使用用户侧的 memberOf），避免读取大组属性。",
        ask="请问目录服务是 Active Directory 吗？如果是，请导出一份不含密钥的 realm 配置发给我们。",
        details="是的，Windows Server 2019 AD。realm 导出文件见附件。",
        note="已在我们的 AD 实验环境复现，研发确认上游已修复。",
        tags=("ldap", "sso"),
        attachment=("realm-export.json", '{"realm": "yunqi", "enabled": true, "components": "<redacted>"}\n'),
    ),
    Scenario(
        "Keycloak",
        "howto",
        "如何只给一个客户端的 access token 加自定义属性",
        "我们想把用户资料里的工号放进 access token，但只针对一个客户端，应该怎么配置？",
        "新建客户端作用域 employee，添加 “User Attribute” 映射器：用户属性 employee_number，令牌声明名 employee_"
        "number，"
        "勾选 “Add to access token”；然后只在那个客户端的默认作用域里加入它，其他客户端不会带这个声明。",
        tags=("sso", "token"),
    ),
    Scenario(
        "PostgreSQL",
        "outage",
        "主库 $host 宕机，应用无法连接",
        "凌晨 02:10 起应用连接 $host 报 “FATAL: the database system is in recovery mode”，Patroni 显示主节点反复切换"
        "。"
        "这是生产库，订单处理已全部停止。",
        "旧主库的 WAL 目录被写满：已下线的报表备库的复制槽仍然存在，保留了 180 GB 的 WAL。我们删除了复制槽 "
        "reporting_old，节点已恢复并作为备库重新加入。建议为各复制槽保留的 WAL 大小增加告警，查询语句已写在运维手册里"
        "。",
        ask="正在处理。请执行 `patronictl list`，并提供两个节点 PostgreSQL 日志的最后 200 行。期间请不要重启备库。",
        details="见附件。patronictl 显示 db2 为主、延迟 0，db1 状态 starting。db1 日志报 “could not write to file "
        "pg_wal/xlogtemp: No space left on device”。",
        note="根因：遗留复制槽。客户没有复制槽监控，建议客户经理推荐监控增值服务。",
        tags=("复制", "outage"),
        platform="on_premises",
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "升级到 $version 后 events 表 VACUUM 一直无法完成",
        "升级到 PostgreSQL $version 后，events 表（420 GB）的 autovacuum 跑了好几天都没结束，n_dead_tup 持续增长，查"
        "询越来越慢。",
        "这个处于 idle in transaction 的会话拖住了 xmin 水位，VACUUM 无法清理比它新的行版本。请用 pg_terminate_"
        "backend() "
        "结束该会话，并为 BI 账号设置 idle_in_transaction_session_timeout = '15min'，几个小时内 VACUUM 就能追上。",
        ask="请提供 `SELECT * FROM pg_stat_progress_vacuum;` 以及 `SELECT pid, backend_xmin, state, xact_start FROM "
        "pg_stat_activity WHERE backend_xmin IS NOT NULL ORDER BY xact_start;` 的输出。",
        details="输出如下。有一个 BI 工具的会话从上周二起一直是 idle in transaction。",
        note="不是 $version 的回归问题，典型的 xmin 水位问题。客户确认后按配置问题关闭。",
        tags=("vacuum", "性能"),
    ),
    Scenario(
        "PostgreSQL",
        "howto",
        "使用 pgBackRest 实现按时间点恢复",
        "我们希望 $version 集群支持按时间点恢复（PITR）。数据库 2 TB，需要保留 7 天，pgBackRest 应该怎么配置？",
        "推荐：repo1-type=s3，repo1-retention-full=2，每周一次全量、每天一次差异备份，archive-async=y、process-max=4"
        "、"
        "compress-type=zst，可保证 7 天以上的 PITR。建议每月用 --type=time 向测试机做一次恢复演练；完整配置见知识库文"
        "章"
        "《pgBackRest 对接 MinIO》。",
        ask="好的。备份仓库放在哪里（S3 兼容存储还是备份服务器）？每天大约产生多少 WAL？",
        details="本地 MinIO（S3 兼容），每天大约 60 GB WAL。",
        tags=("备份",),
    ),
    Scenario(
        "PostgreSQL",
        "presales",
        "社区版 PostgreSQL 能否购买技术支持",
        "我们在工厂 MES 系统里使用社区版 PostgreSQL $version，目前没有任何支持合同。请问你们是否提供支持服务，怎么收"
        "费？",
        "可以。我们的订阅支持覆盖社区版 PostgreSQL，按集群数量计费，另有托管数据库服务。客户经理今天会联系您并发送报"
        "价和服务"
        "说明。",
        ask="感谢关注。请问大概有几个集群、部署在什么环境（物理机、虚拟机还是 Kubernetes）？",
        details="两个集群，都在 VMware 虚拟机上，每个两节点。",
        note="潜在客户，已转销售。",
        tags=("销售",),
    ),
    Scenario(
        "PostgreSQL",
        "onboarding",
        "新签合同：开通门户账号和升级联系人",
        "我们刚签了合同。请问非工作时间的 P1 问题该联系谁？另外能否再给两位同事开通门户账号？",
        "已开通，两位同事都收到了邀请邮件。周四下午三点的入门会议也已预约，会上一起过一遍集群架构和监控。",
        ask="欢迎！非工作时间的 P1 请拨打合同上的热线并提交 P1 工单，值班工程师会被自动呼叫。请把需要开通账号的同事姓"
        "名和"
        "邮箱发给我们。",
        details="请给李娜和周杰开通，两位都是 DBA，邮箱见签名。",
        note="入门会议已预约，会前把健康检查模板发给客户。",
        tags=("入门",),
    ),
    Scenario(
        "Odoo",
        "defect",
        "升级到 $version 后发票 PDF 税额尾差",
        "升级到 Odoo $version 后，发票 PDF 的税额按行舍入而不是整单舍入，合计和财务账差几分钱。",
        "升级脚本把 2019 年以前创建的公司的舍入方式重置了。请改回 “全局舍入”；已过账的发票金额不会变，只有客户提出异"
        "议时"
        "再开红字发票即可。我们已把这一项加入升级检查清单。",
        ask="请到 设置 > 会计 > 税 > 舍入方式 查看当前公司的设置。",
        details="显示的是 “按行舍入”，升级前是 “全局舍入”。",
        note="升级检查清单增加：迁移后核对税额舍入方式。",
        tags=("会计", "升级"),
    ),
    Scenario(
        "Odoo",
        "defect",
        "电商订单同步到库存时重复出库",
        "最近一周淘宝店铺的订单同步到 Odoo $version 后，部分订单生成了两张出库单，库存被多扣。",
        "原因是同步任务超时重试时没有幂等校验，同一订单被导入两次。我们在定制模块中按平台订单号加了唯一约束并修复了重"
        "试"
        "逻辑，补丁已部署到测试环境，请验证后安排上线。",
        ask="请提供几个重复出库的订单号，以及同步任务在那段时间的日志。",
        details="订单号 TB20250301-8812、TB20250301-9034，日志见附件。",
        note="定制开发模块的缺陷，在保修范围内，不计工时。",
        tags=("电商", "库存"),
        attachment=(
            "sync.log",
            "2025-03-01 10:02:11 WARNING timeout, retrying order TB20250301-8812\n"
            "2025-03-01 10:02:41 INFO imported order TB20250301-8812\n",
        ),
    ),
    Scenario(
        "Odoo",
        "howto",
        "如何批量导入 3000 个产品变体",
        "我们需要从 CSV 导入约 3000 个带属性（尺码、颜色）的产品变体，Odoo 需要什么格式？",
        "先导入产品模板，带上 “产品属性 / 属性” 和 “产品属性 / 值” 两列（每个属性一行），Odoo 会自动生成变体。模板文"
        "件见"
        "附件，建议先用 20 行试导入。",
        tags=("导入",),
    ),
    Scenario(
        "Odoo",
        "onboarding",
        "试用期：配置多公司",
        "我们在试用期间想建两家公司（香港和深圳），产品共用但账务分开，应该从哪里开始？",
        "在 设置 > 用户和公司 中启用多公司，为深圳公司创建独立的会计科目表（中国本地化），产品不指定公司即可共用。公"
        "司间"
        "规则可以之后再配。我们已预约一小时的远程会议，和财务同事一起过一遍。",
        ask="两家公司的币种和会计科目表一样吗？",
        details="不一样，分别是港币和人民币，科目表也不同。",
        tags=("多公司",),
    ),
    Scenario(
        "Odoo",
        "presales",
        "定制开发：对接金蝶财务系统的报价",
        "我们希望把 Odoo 的销售和应收数据每天同步到金蝶云星空，请问能否定制开发，周期和费用大概多少？",
        "可以做。初步估算 15 个工作日，包括接口开发、测试和一周的试运行，详细报价由客户经理发给您。",
        ask="请问需要同步哪些单据（销售订单、发票、收款）？是单向同步还是双向？",
        details="销售发票和收款，单向同步到金蝶即可。",
        note="转客户经理报价，定制开发合同。",
        tags=("定制开发", "销售"),
    ),
    Scenario(
        None,
        "presales",
        "续签支持合同咨询",
        "我们的支持合同快到期了，请发一份续签报价。另外 P1 问题能否增加电话支持？",
        "续签报价客户经理会在今天发出。标准订阅及以上套餐都包含 P1 电话支持，报价里已作为选项列出。",
        tags=("续约", "销售"),
    ),
    Scenario(
        "PostgreSQL",
        "howto",
        "从 PostgreSQL $version 升级到 17，如何尽量缩短停机时间",
        "我们计划本季度把核心集群从 PostgreSQL $version 升级到 17。数据库约 1.2 TB，业务最多接受 15 分钟停机，有什么"
        "建议？",
        "15 分钟窗口建议使用 pg_upgrade --link：数据文件通过硬链接复用，切换时间与数据量无关。请先在备份恢复出的环境"
        "里演练，"
        "升级后立即执行 vacuumdb --analyze-in-stages，并用 pg_upgrade --check 检查扩展。逻辑复制可以做到零停机，但要"
        "求每张表都有主键。",
        ask="请问所有表都有主键吗？安装了哪些扩展？",
        details="有两张日志表没有主键。扩展有 pg_stat_statements、postgis、pg_partman。",
        note="PostGIS 需要先安装 17 对应的软件包，否则 pg_upgrade --check 会失败。",
        tags=("升级",),
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "$host 主备切换后逻辑复制订阅停止同步",
        "昨晚 Patroni 发生主备切换后，报表库的订阅不再接收变更，pg_stat_subscription 里没有新的活动。",
        "PostgreSQL $version 的逻辑复制槽不会随切换复制到新主库，订阅指向的复制槽已经不存在。我们重建了复制槽，并重新"
        "同步了"
        "两张出现差异的表；同时在 Patroni 的 DCS 配置里把该复制槽设为永久槽（slots），以后切换会自动保留。",
        ask="请提供切换前后订阅端的日志，以及新主库上 pg_replication_slots 的输出。",
        details='日志里有 “replication slot "sub_report" does not exist”，新主库的 pg_replication_slots 是空的。',
        tags=("复制",),
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "$host 上 PostgreSQL 被 OOM killer 杀掉",
        "这周 $host 上的 PostgreSQL 进程两次被内核 OOM killer 杀掉，整个实例重启。机器内存 64 GB。",
        "work_mem = 512MB 且最多 300 个连接，几个并行哈希连接就能用掉远超物理内存的空间。建议设置 vm.overcommit_"
        "memory = 2，"
        "让 PostgreSQL 收到报错而不是主进程被杀；全局 work_mem 降到 64MB，只为报表账号单独调高。",
        ask="请提供 `SHOW ALL` 的输出，以及 OOM 发生前后的内核日志。",
        details="见附件。work_mem 是 512MB，max_connections 300，shared_buffers 16GB。",
        tags=("内存",),
    ),
    Scenario(
        "Kubernetes",
        "howto",
        "集群从 $version 升级到下一个小版本的方案评审",
        "我们目前是 Kubernetes $version，计划升级到下一个小版本，能帮忙看一下升级方案吗？",
        "方案总体可行，补充两点：开始前用 kubent 检查已移除的 API；工作节点逐台排空，并给所有有状态负载配置 "
        "PodDisruptionBudget。每次只升级一个小版本，kubeadm 不支持跨版本升级。",
        ask="请把升级方案和 `helm list -A` 的输出发给我们。",
        details="方案和 helm 列表见附件。",
        tags=("升级",),
    ),
    Scenario(
        "Kubernetes",
        "defect",
        "$host 上 Pod 的 DNS 解析偶发超时",
        "Pod 里大约 1% 的 DNS 查询会在 5 秒后超时，主要是外部域名。Kubernetes $version，CoreDNS 1.11。",
        "这是 UDP 并发 A/AAAA 查询触发的 conntrack 竞争问题，ndots:5 又让每个外部域名多查了好几次。建议受影响的 "
        "Deployment "
        "设置 dnsConfig ndots: 2，并启用 NodeLocal DNSCache，我们测试后超时已降为零。",
        ask="所有节点都有这个问题吗？请提供 CoreDNS 日志和受影响 Pod 的 /etc/resolv.conf。",
        details="所有节点都有。resolv.conf 里是 “options ndots:5”，CoreDNS 日志没有异常。",
        tags=("dns", "网络"),
    ),
    Scenario(
        "Kubernetes",
        "presales",
        "测试环境集群能否托管给你们运维",
        "我们想把两个测试环境的 Kubernetes 集群交给你们托管运维，生产环境仍由我们自己维护，可以吗？",
        "可以。托管服务包括升级、监控和备份，测试集群同样适用。客户经理会发送两种方案的报价（使用贵司硬件或我方资源）"
        "。",
        tags=("销售", "托管"),
    ),
    Scenario(
        "Keycloak",
        "onboarding",
        "第一次配置 realm 并接入 SAML 内网门户",
        "我们刚开始使用 Keycloak $version，怎样为员工建一个 realm，并接入只支持 SAML 的内网门户？",
        "新建 realm “employees”，在 “用户联合” 中接入 AD，然后新建 SAML 客户端，填入门户的 entity ID 并导入其元数据，"
        "“Name ID 格式” 选择 email。详细步骤见知识库文章《第一个 SAML 客户端》，入门会议已约在周二。",
        tags=("saml", "sso"),
    ),
    Scenario(
        "Keycloak",
        "defect",
        "滚动重启 Keycloak 后所有用户被登出",
        "每次逐个重启 Keycloak Pod，所有用户都会被登出。Keycloak $version，Kubernetes 上 3 个副本。",
        "几个 Pod 没有组成集群：网络策略拦截了 Pod 之间的 7800 端口，每个 Pod 只保存自己的会话。放通 Keycloak Pod 之"
        "间的 "
        "7800/TCP 后，滚动重启不再丢失会话。",
        ask="请提供两个 Pod 的启动日志，我们需要看 “ISPN000094: Received new cluster view” 这几行。",
        details="每个 Pod 的集群视图里都只有它自己。",
        tags=("sso", "集群"),
    ),
    Scenario(
        "Odoo",
        "defect",
        "定时发送的发票邮件重复发送",
        "从上周开始，客户会收到两封相同的发票邮件。Odoo $version，两台应用服务器。",
        "两台服务器都在运行定时任务，而定制的 “发送发票” 动作在标记已发送之前就提交了事务。请只在一台服务器上运行定时"
        "任务"
        "（另一台设置 max_cron_threads = 0）；我们也修改了动作，先标记再发送，补丁已部署到测试环境等您确认。",
        ask="两台应用服务器的 max_cron_threads 是否都大于 0？",
        details="是的，都是默认值 2。",
        tags=("定时任务", "邮件"),
    ),
    Scenario(
        "Odoo",
        "howto",
        "通过企业微信扫码登录 Odoo",
        "我们希望员工用企业微信扫码登录 Odoo $version，有现成的方案吗？",
        "可以通过 OAuth 实现：安装我们维护的 auth_wecom 模块，在企业微信后台创建自建应用并填写回调域名，然后在 Odoo "
        "的 "
        "OAuth 提供方里填入 CorpID 和 Secret。配置说明见知识库文章《企业微信登录》。",
        tags=("登录",),
    ),
    Scenario(
        "Odoo",
        "onboarding",
        "上线前的权限与用户组规划",
        "Odoo 下个月正式上线，财务、仓库、销售三个部门权限需要分开，用户组应该怎么规划？",
        "建议按岗位建用户组：财务只授予会计模块权限，仓库授予库存 “用户”，销售授予 “仅自己的单据”。多公司场景下再配合"
        "记录规则"
        "限制公司。我们整理了一份权限矩阵模板，已附在回复里，上线前一起过一遍。",
        ask="请问三个部门各有多少用户？是否有人需要跨部门权限？",
        details="财务 6 人，仓库 15 人，销售 22 人；销售主管需要查看库存。",
        tags=("权限", "上线"),
    ),
    Scenario(
        "PostgreSQL",
        "outage",
        "[告警] $host 复制延迟超过 300 秒",
        "监控告警：$host 的复制延迟已连续 10 分钟超过 300 秒（当前 742 秒）。检查项：pg_replication_lag，级别：严重。",
        "延迟是主库上手工执行的 VACUUM FULL 造成的：它产生 WAL 的速度超过了备库通过 100 Mbit 链路回放的速度，"
        "备库已在 04:35 追平。已与客户约定 VACUUM FULL 只在维护窗口执行，日常改用 pg_repack。",
        ask="已收到告警，正在排查。请问今晚是否有人在主库上执行了维护任务？",
        details="是的，同事凌晨三点左右对 audit_log 表执行了 VACUUM FULL，抱歉没有提前通知。",
        note="除备库报表数据延迟外无业务影响，发送事故报告后关闭。",
        tags=("复制", "监控"),
        channel="monitoring",
        platform="on_premises",
    ),
)
