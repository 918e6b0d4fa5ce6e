"""English demo conversations."""

from __future__ import annotations

from upstream.tickets.demo.scenarios import Phrases, Scenario

PHRASES = Phrases(
    more_info=(
        "Thanks for the report. Could you send the relevant log files from the time it happened and the exact "
        "$product version you are running?",
        "Thanks, we are looking into it. To narrow it down: did anything change in the environment shortly before "
        "this started (upgrade, configuration, network)?",
    ),
    second_ask=(
        "Thanks, that helps. One more thing: could you also send the output from the second node, so we can "
        "compare the two?",
        "Thank you. Before we change anything, please confirm a maintenance window we can use for a restart.",
    ),
    testing=(
        "Thanks, we will test this in staging tomorrow and report back.",
        "Understood, we are applying the change tonight and will let you know.",
    ),
    thanks=(
        "Confirmed, everything works again. Thanks for the quick help!",
        "All good on our side, you can close the ticket.",
        "Thank you, that solved it. Great support as always.",
    ),
    reopen=(
        "Unfortunately the problem came back this morning, same error as before.",
        "We applied the change but one node still shows the issue.",
    ),
    reopen_answer=(
        "Thanks for letting us know. The remaining node still had the old configuration; after a reload there the "
        "issue is gone on our side too. Please tell us if it shows up again.",
        "The change had not been applied to the standby. We did that together in the call just now; both nodes "
        "look healthy.",
    ),
    escalation_note=(
        "Reproduced in the lab with the customer's version. Escalating to engineering: looks like an upstream bug.",
        "Needs a code change; handing over to engineering. Customer informed that a fix will take some days.",
    ),
    engineering_update=(
        "We reproduced the problem and our engineering team is preparing a fix. We will update you by the end of "
        "the week at the latest.",
        "Quick update: the fix is in review upstream; we will send you a patched build as soon as it is merged.",
    ),
    duplicate_note=("Duplicate of an earlier ticket from the same contact; closing this one.",),
    triage_note=(
        "Customer is on a call with us at 16:00; keep the ticket with me.",
        "Checked the contract: covered, within SLA.",
    ),
    hosts={
        "PostgreSQL": ("db-prod-01", "pg-main-2", "pg-reporting-1"),
        "Kubernetes": ("k8s-prod-eu", "node-07", "worker-12"),
        "Keycloak": ("sso.internal", "keycloak-0"),
        "Odoo": ("erp-app-1", "odoo-prod"),
        "": ("app-prod-1",),
    },
    environments=(
        "Ubuntu 22.04, 3 nodes, Patroni + etcd",
        "RHEL 9 on VMware, 2 nodes with streaming replication",
        "RKE2 on bare metal, 3 control-plane and 6 worker nodes",
        "Docker Compose on a single VM (8 vCPU, 32 GB)",
    ),
    recent_changes=(
        "Minor version upgrade last weekend.",
        "Moved to new storage (NetApp) two weeks ago.",
        "No changes that we know of.",
    ),
    access_notes=(
        "VPN access via the jump host; credentials are in the shared vault entry 'vendor support'.",
        "Screen sharing only, operated by our staff.",
    ),
)

SCENARIOS = (
    Scenario(
        "PostgreSQL",
        "outage",
        "Primary on $host down, application cannot connect",
        "Since 02:10 our application gets 'FATAL: the database system is in recovery mode' from $host. Patroni "
        "shows the leader flapping. This is production; all order processing has stopped.",
        "The WAL volume on the old primary ran full because the replication slot of the decommissioned reporting "
        "replica was still active and retained 180 GB of WAL. We dropped the slot reporting_old, the node recovered "
        "and rejoined as a replica. Please add an alert on retained WAL per replication slot; the query is in the "
        "runbook we sent.",
        ask="We are on it. Please run `patronictl list` and send the last 200 lines of the PostgreSQL log from both "
        "nodes. Do not restart the replica in the meantime.",
        details="Attached. patronictl shows db2 as leader with lag 0, db1 is 'starting'. The log on db1 says 'could "
        "not write to file pg_wal/xlogtemp: No space left on device'.",
        note="Root cause: stale replication slot. Customer has no monitoring on slots; suggest the monitoring "
        "add-on to the account manager.",
        tags=("replication", "outage"),
        platform="on_premises",
        attachment=(
            "patronictl-list.txt",
            "+ Cluster: main ---+---------+---------+----+-----------+\n"
            "| db1 | 10.0.0.11 | Replica | starting |  7 |   unknown |\n"
            "| db2 | 10.0.0.12 | Leader  | running  |  8 |           |\n",
        ),
    ),
    Scenario(
        "PostgreSQL",
        "outage",
        "[ALERT] Replication lag on $host above 300 s",
        "Monitoring alert: replication lag on $host has been above 300 s for 10 minutes (current: 742 s). "
        "Check: pg_replication_lag. Severity: critical.",
        "The lag was caused by a long-running VACUUM FULL started manually on the primary, which generated WAL "
        "faster than the replica could replay it over the 100 Mbit link. The replica caught up at 04:35. We agreed "
        "with the customer to run VACUUM FULL only in the maintenance window and to use pg_repack instead.",
        ask="We received the alert and are investigating. Did anyone start a maintenance job on the primary tonight?",
        details="Yes, a colleague ran VACUUM FULL on the audit_log table around 03:00. Sorry, we didn't announce it.",
        note="No customer impact beyond stale reports on the replica. Close after the RCA is sent.",
        tags=("replication", "monitoring"),
        channel="monitoring",
        platform="managed",
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "VACUUM never finishes on table events after upgrade to $version",
        "After upgrading to PostgreSQL $version, autovacuum on the events table (420 GB) runs for days and never "
        "finishes; n_dead_tup keeps growing and queries get slower.",
        "That idle-in-transaction session holds back the xmin horizon, so vacuum cannot remove any row version "
        "newer than it. Terminate it with pg_terminate_backend() and set idle_in_transaction_session_timeout = "
        "'15min' for the BI role. Vacuum should catch up within a few hours.",
        ask="Thanks. Could you send the output of `SELECT * FROM pg_stat_progress_vacuum;` and of `SELECT pid, "
        "backend_xmin, state, xact_start FROM pg_stat_activity WHERE backend_xmin IS NOT NULL ORDER BY xact_start;`?",
        details="Here it is. There is one session from our BI tool in state 'idle in transaction' since last Tuesday.",
        note="Not a regression in $version, the classic xmin horizon. Close as configuration once confirmed.",
        tags=("vacuum", "performance"),
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "Query plan regression on $host after nightly ANALYZE",
        "A reporting query on $host went from 200 ms to 40 s overnight after the nightly ANALYZE. No code changes. "
        "PostgreSQL $version.",
        "Per-column statistics miss the correlation between customer_id and region. Create extended statistics: "
        "CREATE STATISTICS orders_cust_region (dependencies, ndistinct) ON customer_id, region FROM orders; then "
        "ANALYZE orders. The estimate is back to 750k rows and the query runs in 180 ms on our copy.",
        ask="Please send EXPLAIN (ANALYZE, BUFFERS) of the query as it runs now and, if you have it, an older plan. "
        "Also the statistics target of the columns involved.",
        details="Plans attached. The new plan uses a nested loop on orders/customers with a row estimate of 1 "
        "instead of 800k.",
        note="Good candidate for a KB article on extended statistics.",
        tags=("performance", "planner"),
        attachment=(
            "explain-analyze.txt",
            "Nested Loop  (cost=1.12..16.18 rows=1 width=64) (actual time=0.041..39877.2 rows=812344 loops=1)\n",
        ),
    ),
    Scenario(
        "PostgreSQL",
        "howto",
        "Point-in-time recovery with pgBackRest",
        "We want point-in-time recovery for our $version cluster. What is your recommended pgBackRest "
        "configuration for a 2 TB database with a 7-day recovery window?",
        "Recommended: repo1-type=s3 with repo1-retention-full=2, a weekly full and daily differential backups, "
        "archive-async=y with process-max=4 and compress-type=zst. That keeps more than 7 days of PITR. Test a "
        "restore to a staging host with --type=time once a month; the full configuration is in our KB article "
        "'pgBackRest on MinIO'.",
        ask="Happy to help. Where should the repository live (S3-compatible storage or a backup host), and roughly "
        "how much WAL do you generate per day?",
        details="S3 (MinIO on premises). About 60 GB of WAL per day.",
        note="Sent the KB link. Possible upsell for the managed backup service.",
        tags=("backup",),
    ),
    Scenario(
        "PostgreSQL",
        "onboarding",
        "Onboarding: portal access and escalation contacts",
        "We have just signed the contract. Who should our DBAs contact for a P1 outside office hours, and can two "
        "more colleagues get portal access?",
        "Done: both received an invitation email. I also booked the onboarding call for Thursday 15:00 your time "
        "to review your cluster setup and monitoring.",
        ask="Welcome aboard! For a P1 outside office hours call the hotline on your contract sheet and open a P1 "
        "ticket; the on-call engineer is paged automatically. Please send the names and email addresses of the "
        "colleagues who need access.",
        details="Please add Maria Gomez and Kevin Wu, both DBAs. Their addresses are in our signature block.",
        note="Onboarding call booked; share the health-check template with the customer beforehand.",
        tags=("onboarding",),
    ),
    Scenario(
        "PostgreSQL",
        "presales",
        "Quote for two more PostgreSQL clusters",
        "We are adding two PostgreSQL clusters for the analytics team. Could you send a quote to extend our "
        "contract? Do you also support the TimescaleDB extension?",
        "Your account manager will send the quote today. TimescaleDB (Apache 2 edition) is covered by our "
        "PostgreSQL support; the TSL-licensed features are best effort only.",
        ask="Thanks for thinking of us. How many vCPUs will the new clusters have, and which PostgreSQL version will "
        "they run?",
        details="8 vCPUs each, PostgreSQL $version, on Kubernetes with CloudNativePG.",
        note="Forwarded to sales. Not a support case.",
        tags=("sales",),
    ),
    Scenario(
        "Kubernetes",
        "outage",
        "All nodes NotReady on $host after certificate expiry",
        "All worker nodes in cluster $host went NotReady at 09:00. kubelet logs show 'x509: certificate has "
        "expired or is not yet valid'. Kubernetes $version, kubeadm install.",
        "Run `kubeadm certs renew all` on each control-plane node, then restart the static pods (move the manifests "
        "out of /etc/kubernetes/manifests and back) and restart kubelet on the workers. The nodes return to Ready "
        "within minutes. kubeadm renews the certificates on every upgrade, so upgrading at least once a year "
        "prevents this.",
        ask="Please check the certificate dates with `kubeadm certs check-expiration` on a control-plane node and "
        "send the output. Do not reboot the control-plane nodes yet.",
        details="Output attached: apiserver-kubelet-client and front-proxy-client expired today.",
        note="Second customer this quarter with expired kubeadm certificates; propose a proactive expiry check.",
        tags=("certificates", "outage"),
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
        "Pods stuck in ContainerCreating on $host: failed to assign an IP address",
        "Since upgrading to $version, new pods on node $host stay in ContainerCreating with 'failed to assign an IP "
        "address to container'.",
        "A /25 node CIDR gives 126 addresses, and IPs of terminated pods are not released because of a Calico IPAM "
        "bug fixed in 3.27.3. Upgrade Calico to 3.27.3 or later; as an immediate fix run `calicoctl ipam check "
        "--show-problem-ips` and release the leaked addresses.",
        ask="Which CNI (and version) do you run, and how many pods are scheduled on $host right now? The IPAM pool "
        "may be exhausted.",
        details="Calico 3.27.0. 110 pods on that node; the node CIDR is a /25.",
        note="Upstream issue in projectcalico/calico; link it once the issue-tracker integration exists.",
        tags=("networking", "calico"),
        platform="private_cloud",
    ),
    Scenario(
        "Kubernetes",
        "howto",
        "Rotating database passwords in Secrets without downtime",
        "What is the recommended way to rotate database passwords stored in Kubernetes Secrets without restarting "
        "every deployment by hand?",
        "Add a checksum annotation of the secret to the pod template (in Helm: checksum/secret) so Argo CD rolls "
        "the deployment when the secret changes; with two passwords valid during the switch there is no downtime. "
        "Alternatively Stakater Reloader does the restarts for you.",
        ask="Do you use an external secret store (Vault, a cloud secret manager) or plain Secrets created by CI?",
        details="Plain Secrets, created by Argo CD from sealed secrets.",
        tags=("secrets", "gitops"),
    ),
    Scenario(
        "Kubernetes",
        "howto",
        "Ingress returns 413 for uploads over 1 MB",
        "Uploads larger than 1 MB fail with '413 Request Entity Too Large' through ingress-nginx on $host.",
        "ingress-nginx defaults to client_max_body_size 1m. Add the annotation "
        'nginx.ingress.kubernetes.io/proxy-body-size: "50m" to the Ingress, or set proxy-body-size globally in '
        "the controller's ConfigMap.",
        tags=("ingress",),
    ),
    Scenario(
        "Kubernetes",
        "onboarding",
        "Review of our first production cluster before go-live",
        "We finished installing our first production cluster ($version, 3 control-plane nodes, 6 workers). Could "
        "you review the setup before we go live next month?",
        "Review done, report attached to this reply. Main findings: etcd shares disks with container images (move "
        "it to dedicated SSDs), no PodDisruptionBudget for the ingress controller, and Longhorn replicas set to 1 "
        "for production volumes (use 3). Otherwise the setup is ready to go live.",
        ask="Gladly. Please run our cluster inventory script (KB article 'Health check') and send the resulting "
        "tarball; it collects versions, node conditions, RBAC and network policies, no secrets.",
        details="Tarball uploaded. We also use Longhorn for storage.",
        note="3.5 h spent on the review; booked against consulting hours.",
        tags=("health-check",),
        platform="on_premises",
    ),
    Scenario(
        "Keycloak",
        "outage",
        "SSO login page returns 502 for all users",
        "Our SSO login (Keycloak $version) returns 502 Bad Gateway for every user since about 20 minutes ago. All "
        "internal applications are affected.",
        "Each Keycloak node's connection pool (db-pool-max-size=100) times 4 replicas exceeded max_connections=300 "
        "during the morning peak. Lower db-pool-max-size to 50, or put PgBouncer in front; we recommend the pool "
        "setting plus max_connections = 400. Logins work again since the restart.",
        ask="Please send the Keycloak pod logs (`kubectl logs -n keycloak sts/keycloak --since=1h`) and tell us "
        "whether the database is reachable from the pods.",
        details="The logs show 'Acquisition timeout while waiting for new connection'. Our PostgreSQL had reached "
        "max_connections.",
        note="Customer restarted the database themselves before our answer; RCA sent.",
        tags=("sso", "outage"),
        platform="private_cloud",
    ),
    Scenario(
        "Keycloak",
        "defect",
        "LDAP group sync drops members of large groups",
        "After upgrading to Keycloak $version, the LDAP group mapper removes users from groups during the periodic "
        "sync when a group has more than 1500 members.",
        "The group mapper does not follow Active Directory's range retrieval (member;range=0-1499). This is fixed "
        "upstream in 26.1.2; until you can upgrade, switch the mapper to 'Membership user LDAP attribute' mode "
        "(memberOf on the user side), which avoids the large group attribute.",
        ask="Is your directory Active Directory? If so, please send a realm export without secrets.",
        details="Yes, AD on Windows Server 2019. Realm export attached.",
        note="Reproduced with our AD lab. Engineering confirmed the upstream fix.",
        tags=("ldap", "sso"),
        attachment=("realm-export.json", '{"realm": "corp", "enabled": true, "components": "<redacted>"}\n'),
    ),
    Scenario(
        "Keycloak",
        "howto",
        "Adding a custom attribute to the access token of one client",
        "How can we add the employee number from the user profile to the access token of one client only?",
        "Create a client scope 'employee', add a 'User Attribute' mapper with user attribute employee_number and "
        "token claim name employee_number ('Add to access token' on), then add the scope as a default scope of that "
        "one client. Other clients will not get the claim.",
        tags=("sso", "tokens"),
    ),
    Scenario(
        "Keycloak",
        "presales",
        "Support for Keycloak in an air-gapped environment",
        "We are evaluating your support for a customer in the energy sector whose environment is air-gapped. Can "
        "you support that, and how do you deliver patches?",
        "Yes. We deliver signed offline bundles (container images and packages) through our file exchange, and "
        "remote sessions happen by screen sharing operated by your staff. SLAs apply from the moment the ticket is "
        "filed. Sales will send you the datasheet.",
        tags=("sales",),
    ),
    Scenario(
        "Odoo",
        "defect",
        "Invoice PDFs show wrong VAT rounding after upgrade to $version",
        "After the upgrade to Odoo $version, invoice PDFs round VAT per line instead of globally, so totals differ "
        "by a few cents from our accounting.",
        "The migration reset the rounding method for companies created before 2019. Set it back to 'Round "
        "Globally'; posted invoices keep their amounts, so issue credit notes only where a customer complains. We "
        "added a check to our upgrade playbook.",
        ask="Please check Settings > Accounting > Taxes > Rounding Method for the company and tell us which one is "
        "set.",
        details="It says 'Round per Line'. Before the upgrade we had 'Round Globally'.",
        note="Add to the upgrade checklist: verify the tax rounding method after migration.",
        tags=("accounting", "upgrade"),
    ),
    Scenario(
        "Odoo",
        "howto",
        "Importing 3,000 product variants from CSV",
        "We need to import about 3,000 product variants with attributes (size, colour) from a CSV. What format does "
        "Odoo expect?",
        "Import the product templates with the columns 'Product Attributes / Attribute' and 'Product Attributes / "
        "Values' (one line per attribute); Odoo then creates the variants. A template is attached; try 20 lines "
        "before the full import.",
        tags=("import",),
    ),
    Scenario(
        "Odoo",
        "onboarding",
        "Setting up a second company during the trial",
        "We want to set up a second company (Lyon) with shared products but separate accounting. Where do we start?",
        "Enable multi-company in Settings > Users & Companies, create the second company with its own chart of "
        "accounts, and leave products without a company so both share them. Inter-company rules can follow later. "
        "We booked a one-hour session to walk your finance team through it.",
        ask="Do both companies use the same currency and chart of accounts?",
        details="Same currency (EUR) but the Lyon entity has its own fiscal position.",
        tags=("multi-company",),
    ),
    Scenario(
        None,
        "presales",
        "Renewal of our support contract",
        "Our support contract ends soon. Could you send us the renewal offer, and is it possible to add phone "
        "support for P1 incidents?",
        "The renewal offer is on its way from your account manager. Phone support for P1 is included from the "
        "Standard Subscription upwards; the offer includes it as an option.",
        tags=("renewal", "sales"),
    ),
    Scenario(
        "PostgreSQL",
        "howto",
        "Upgrading from PostgreSQL $version to 17 with minimal downtime",
        "We need to move our main cluster from PostgreSQL $version to 17 this quarter. The database is 1.2 TB and "
        "the business accepts at most 15 minutes of downtime. What do you recommend?",
        "With 15 minutes, use pg_upgrade --link on a Patroni replica promoted for the upgrade: the data files are "
        "hard-linked, so the switch takes minutes regardless of size. Rehearse on a restored backup first, run "
        "vacuumdb --analyze-in-stages right after, and check extensions with pg_upgrade --check. Logical "
        "replication is the zero-downtime alternative, but it needs primary keys on every table.",
        ask="Do all your tables have primary keys, and which extensions are installed?",
        details="Two log tables have no primary key. Extensions: pg_stat_statements, postgis, pg_partman.",
        note="PostGIS needs the matching package for 17 installed before pg_upgrade --check.",
        tags=("upgrade",),
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "Logical replication subscription stuck after failover on $host",
        "After a Patroni failover last night the subscription on the reporting database no longer receives "
        "changes; pg_stat_subscription shows no recent activity.",
        "Logical replication slots are not carried over to the new primary in PostgreSQL $version, so the "
        "subscription points at a slot that no longer exists. We recreated the slot and resynchronised the two "
        "tables that had drifted. Patroni can keep the slot in sync with permanent slots (slots: in the DCS "
        "config); we added that for you.",
        ask="Please send the subscriber log around the failover and the output of pg_replication_slots on the new "
        "primary.",
        details="The log says 'replication slot \"sub_reporting\" does not exist'. pg_replication_slots is empty.",
        tags=("replication",),
    ),
    Scenario(
        "PostgreSQL",
        "howto",
        "PgBouncer transaction pooling and prepared statements",
        "We want to put PgBouncer in transaction mode in front of $host, but our Java services use prepared "
        "statements. Will that work?",
        "PgBouncer 1.21 and later track protocol-level prepared statements in transaction mode: set "
        "max_prepared_statements = 200. With older versions, add prepareThreshold=0 to the JDBC URL. Session "
        "state (SET, advisory locks, temporary tables) still does not survive between transactions.",
        tags=("pgbouncer", "performance"),
    ),
    Scenario(
        "PostgreSQL",
        "defect",
        "PostgreSQL on $host killed by the OOM killer",
        "Twice this week the kernel OOM killer terminated a PostgreSQL backend on $host and the whole instance "
        "restarted. The machine has 64 GB of RAM.",
        "work_mem = 512MB with up to 300 connections lets a few parallel hash joins use far more memory than the "
        "machine has. Set vm.overcommit_memory = 2 so PostgreSQL gets an error instead of a killed postmaster, "
        "lower work_mem to 64MB globally and raise it only for the reporting role.",
        ask="Please send the output of `SHOW ALL` and the kernel log lines around the OOM event.",
        details="Attached. work_mem is 512MB, max_connections 300, shared_buffers 16GB.",
        tags=("memory",),
    ),
    Scenario(
        "Kubernetes",
        "howto",
        "Upgrading the cluster from $version to the next minor version",
        "We are on Kubernetes $version and want to upgrade to the next minor version. Can you review our plan?",
        "Your plan is sound. Two additions: check for removed APIs with kubent before starting, and drain the "
        "workers one at a time with a PodDisruptionBudget for every stateful workload. Upgrade one minor version "
        "at a time; kubeadm does not support skipping.",
        ask="Please attach the plan and the list of Helm releases with their chart versions.",
        details="Plan and `helm list -A` output attached.",
        tags=("upgrade",),
    ),
    Scenario(
        "Kubernetes",
        "defect",
        "Intermittent DNS timeouts in pods on $host",
        "About 1 % of DNS lookups from our pods time out after 5 seconds, mostly for external names. Kubernetes "
        "$version, CoreDNS 1.11.",
        "This is the conntrack race for parallel A/AAAA lookups over UDP, made worse by ndots:5, which turns every "
        "external name into five lookups. Set dnsConfig ndots: 2 for the affected deployments and enable "
        "NodeLocal DNSCache; timeouts dropped to zero in our test.",
        ask="Does this happen on all nodes? Please send the CoreDNS logs and a /etc/resolv.conf from an affected pod.",
        details="All nodes. resolv.conf has 'options ndots:5'; CoreDNS logs show nothing unusual.",
        tags=("dns", "networking"),
    ),
    Scenario(
        "Kubernetes",
        "presales",
        "Managed Kubernetes for our staging clusters",
        "Could you operate our two staging clusters as a managed service? We would keep production in-house.",
        "Yes, our managed hosting covers staging clusters with upgrades, monitoring and backups. The account "
        "manager will send an offer with two options (your hardware or ours).",
        tags=("sales", "managed"),
    ),
    Scenario(
        "Keycloak",
        "onboarding",
        "First realm and SAML client for the intranet",
        "We are new to Keycloak $version. How do we set up a realm for employees and connect our intranet, which "
        "speaks SAML?",
        "Create a realm 'employees', connect your directory under User federation, then add a SAML client with the "
        "intranet's entity ID and import its metadata. Set 'Name ID format' to email. We put the steps with "
        "screenshots in KB article 'First SAML client'; the onboarding call is booked for Tuesday.",
        tags=("saml", "sso"),
    ),
    Scenario(
        "Keycloak",
        "defect",
        "Users logged out after a rolling restart",
        "Every time we restart the Keycloak pods one by one, all users are logged out. Keycloak $version on "
        "Kubernetes, 3 replicas.",
        "The pods did not form a cluster: with the default jdbc-ping discovery they need the database, but your "
        "network policy blocked port 7800 between pods, so each pod kept its own sessions. Allow 7800/TCP between "
        "the Keycloak pods; sessions now survive a rolling restart.",
        ask="Please send the startup logs of two pods; we are looking for the 'ISPN000094: Received new cluster view' "
        "lines.",
        details="Each pod only ever sees itself in the cluster view.",
        tags=("sso", "clustering"),
    ),
    Scenario(
        "Odoo",
        "defect",
        "Scheduled invoice e-mails sent twice",
        "Since last week customers receive our invoice e-mails twice. Odoo $version, two application servers.",
        "Both servers run the cron workers, and the custom 'send invoices' action commits before marking the "
        "invoices as sent. Run crons on one server only (max_cron_threads = 0 on the other) and we fixed the "
        "action to mark first and send after; the patch is on staging for your approval.",
        ask="Do both application servers run with max_cron_threads above 0?",
        details="Yes, both have the default of 2.",
        tags=("cron", "email"),
    ),
    Scenario(
        "Odoo",
        "howto",
        "Outgoing mail through Microsoft 365",
        "Microsoft is switching off basic authentication for SMTP. How do we configure Odoo $version to send mail "
        "through Microsoft 365?",
        "Install the 'Microsoft Outlook' module, register an application in Entra ID with the redirect URI from "
        "the Odoo settings, and choose 'Outlook' as the authentication of the outgoing mail server. The KB "
        "article 'Odoo and Microsoft 365' lists every setting.",
        tags=("email",),
    ),
)
