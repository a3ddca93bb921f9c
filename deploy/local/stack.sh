#!/usr/bin/env bash
# Local Auditstream service stack (DESIGN.md section 5): real Kafka and a real S3 with
# Object Lock, run as plain background processes bound to 127.0.0.1. No containers.
#
#   Kafka 3.9.1   KRaft, one combined broker+controller, jars from Maven Central
#   versitygw     v1.8.0 (Apache-2.0) S3 gateway, posix backend, versioning enabled
#
# Cluster mode (AUDITSTREAM_STACK_BROKERS=3, or `--brokers 3` before the command) runs
# three combined KRaft nodes instead, with replication factor 3 and min.insync.replicas=2,
# in its own state directory and on its own ports, so it runs beside the single broker.
#
# Secured mode (AUDITSTREAM_STACK_SECURED=1, or `--secured`) runs one broker whose clients
# must use SASL_SSL with SCRAM-SHA-512 (or mutual TLS on a second listener), with
# certificates made locally by openssl and ACLs per principal (kafka_acls.py), also in its
# own state directory and on its own ports. The secured-broker tests start it too.
#
# Usage: deploy/local/stack.sh [--brokers N | --secured] <command>    (see `usage`)
set -euo pipefail

while [[ ${1:-} == --* ]]; do
  case $1 in
    --brokers)
      [[ $# -ge 2 ]] || { printf '[stack] ERROR: --brokers needs a number\n' >&2; exit 2; }
      AUDITSTREAM_STACK_BROKERS=$2
      shift 2
      ;;
    --secured) AUDITSTREAM_STACK_SECURED=1; shift ;;
    *) break ;;
  esac
done

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

# ----------------------------------------------------------------------------------------
# Configuration (environment overrides)
# ----------------------------------------------------------------------------------------
KAFKA_VERSION=3.9.1
VGW_VERSION=v1.8.0

BROKERS="${AUDITSTREAM_STACK_BROKERS:-1}"
[[ $BROKERS =~ ^[1-5]$ ]] || { printf '[stack] ERROR: AUDITSTREAM_STACK_BROKERS must be 1 to 5, got %s\n' "$BROKERS" >&2; exit 2; }
SECURED="${AUDITSTREAM_STACK_SECURED:-0}"
[[ $SECURED == 0 || $SECURED == 1 ]] || { printf '[stack] ERROR: AUDITSTREAM_STACK_SECURED must be 0 or 1, got %s\n' "$SECURED" >&2; exit 2; }
(( SECURED == 0 || BROKERS == 1 )) || { printf '[stack] ERROR: secured mode runs one broker; drop --brokers\n' >&2; exit 2; }

# Cluster mode gets other defaults for everything it owns (state directory, ports), so
# the single-broker stack that `make demo`, tests and CI use is never touched by it.
if (( BROKERS > 1 )); then
  DEFAULT_STATE_DIR="$HOME/.local/state/auditstream/stack-${BROKERS}brokers"
  DEFAULT_KAFKA_PORT=19192 DEFAULT_CONTROLLER_PORT=19292 DEFAULT_S3_PORT=19190
elif (( SECURED )); then
  DEFAULT_STATE_DIR="$HOME/.local/state/auditstream/stack-secured"
  DEFAULT_KAFKA_PORT=19392 DEFAULT_CONTROLLER_PORT=19393 DEFAULT_S3_PORT=19390
else
  DEFAULT_STATE_DIR="$HOME/.local/state/auditstream/stack"
  DEFAULT_KAFKA_PORT=19092 DEFAULT_CONTROLLER_PORT=19093 DEFAULT_S3_PORT=19000
fi

CACHE_DIR="${AUDITSTREAM_CACHE_DIR:-$HOME/.cache/auditstream}"
STATE_DIR="${AUDITSTREAM_STACK_DIR:-$DEFAULT_STATE_DIR}"
# Absolute paths: versitygw chdirs into its data root, and pid checks match on full paths.
[[ $CACHE_DIR == /* ]] || CACHE_DIR="$PWD/$CACHE_DIR"
[[ $STATE_DIR == /* ]] || STATE_DIR="$PWD/$STATE_DIR"

# In cluster mode node i (1..N) listens on KAFKA_PORT + i - 1 and KAFKA_CONTROLLER_PORT + i - 1.
KAFKA_PORT="${AUDITSTREAM_STACK_KAFKA_PORT:-$DEFAULT_KAFKA_PORT}"
KAFKA_CONTROLLER_PORT="${AUDITSTREAM_STACK_KAFKA_CONTROLLER_PORT:-$DEFAULT_CONTROLLER_PORT}"
KAFKA_HEAP="${AUDITSTREAM_STACK_KAFKA_HEAP:-512m}"
# Secured mode's second client listener: TLS with a client certificate, whose CN is the principal.
MTLS_PORT="${AUDITSTREAM_STACK_KAFKA_MTLS_PORT:-$((KAFKA_PORT + 2))}"
PARTITIONS="${AUDITSTREAM_STACK_PARTITIONS:-3}"

S3_PORT="${AUDITSTREAM_STACK_S3_PORT:-$DEFAULT_S3_PORT}"
S3_ACCESS_KEY="${AUDITSTREAM_STACK_S3_ACCESS_KEY:-auditstream}"
S3_SECRET_KEY="${AUDITSTREAM_STACK_S3_SECRET_KEY:-auditstream-local-secret}"
S3_BUCKET="${AUDITSTREAM_STACK_BUCKET:-auditstream-archive}"
S3_REGION=us-east-1

START_TIMEOUT="${AUDITSTREAM_STACK_START_TIMEOUT:-120}"   # seconds, per service
STOP_TIMEOUT="${AUDITSTREAM_STACK_STOP_TIMEOUT:-60}"      # seconds before SIGKILL

HOST=127.0.0.1
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Topics: name and retention in ms (7 days = 604800000, 30 days = 2592000000).
TOPICS=(
  "audit.events.raw:604800000"
  "audit.events.redacted:2592000000"
  "audit.events.dlq:604800000"
)

# Cache layout (shared by every checkout; safe to delete).
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_HOME/lib"
KAFKA_MARKER="$KAFKA_HOME/.installed"
VGW_BIN="$CACHE_DIR/versitygw-$VGW_VERSION/bin/versitygw"

# Replication of every topic, internal ones included: 3 (or the broker count when
# smaller), and acks=all writes need all but one replica in sync. A single node must
# use 1 everywhere, or transactions (Faust exactly_once) and groups never become available.
REPLICATION=$(( BROKERS < 3 ? BROKERS : 3 ))
MIN_ISR=$(( REPLICATION > 1 ? REPLICATION - 1 : 1 ))

# State layout (data of this stack; `reset` deletes it). The single broker is service
# "kafka" in $STATE_DIR/kafka; cluster node i is service "kafka<i>" in $STATE_DIR/kafka<i>.
# The KAFKA_* node variables below describe the node chosen by select_node.
KAFKA_SVC=kafka
KAFKA_NODE=1
KAFKA_NODE_PORT=$KAFKA_PORT
KAFKA_NODE_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_CONF="$KAFKA_DIR/server.properties"
S3_DIR="$STATE_DIR/s3"
S3_DATA="$S3_DIR/data"
S3_VERSIONS="$S3_DIR/versions"   # versitygw requires it to be outside the data root
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
TLS_DIR="$STATE_DIR/tls"   # secured mode: CA, server and client certificates (openssl)

# Secured mode's SCRAM-SHA-512 users, made at storage format time. Local secrets, for a
# machine's loopback only: admin is the super user; kafka_acls.py grants the others.
SECURED_USERS=(admin sdk processor sink auditor)
CLIENT_KEY_PASSWORD=local-key-secret   # encrypts the mTLS client key (CN=processor)
user_password() { echo "$1-local-secret"; }

# Points the KAFKA_* node variables at node $1 (1..BROKERS); the single broker is node 1.
select_node() {
  KAFKA_NODE=$1
  if (( BROKERS == 1 )); then KAFKA_SVC=kafka; else KAFKA_SVC="kafka$1"; fi
  KAFKA_NODE_PORT=$((KAFKA_PORT + $1 - 1))
  KAFKA_NODE_CONTROLLER_PORT=$((KAFKA_CONTROLLER_PORT + $1 - 1))
  KAFKA_DIR="$STATE_DIR/$KAFKA_SVC"
  KAFKA_DATA="$KAFKA_DIR/data"
  KAFKA_CONF="$KAFKA_DIR/server.properties"
}

NODES=()
BOOTSTRAP=""
QUORUM_VOTERS=""
for ((n = 1; n <= BROKERS; n++)); do
  NODES+=("$n")
  BOOTSTRAP+="${BOOTSTRAP:+,}$HOST:$((KAFKA_PORT + n - 1))"
  QUORUM_VOTERS+="${QUORUM_VOTERS:+,}$n@$HOST:$((KAFKA_CONTROLLER_PORT + n - 1))"
done
unset n

# ----------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------
log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

check_config() {
  local var
  for var in KAFKA_PORT KAFKA_CONTROLLER_PORT MTLS_PORT S3_PORT PARTITIONS START_TIMEOUT STOP_TIMEOUT; do
    [[ ${!var} =~ ^[0-9]+$ ]] || die "$var must be a number, got '${!var}'"
  done
  if (( SECURED )); then
    [[ -z "$(printf '%s\n' "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$MTLS_PORT" "$S3_PORT" | sort | uniq -d)" ]] ||
      die "the four stack ports must differ (kafka, controller, mtls, s3)"
  elif (( BROKERS == 1 )); then
    [[ $KAFKA_PORT != "$KAFKA_CONTROLLER_PORT" && $KAFKA_PORT != "$S3_PORT" &&
       $KAFKA_CONTROLLER_PORT != "$S3_PORT" ]] || die "the three stack ports must differ"
  else
    # Node i uses KAFKA_PORT + i - 1 and KAFKA_CONTROLLER_PORT + i - 1: no range may overlap.
    local ports
    ports="$(for ((var = 0; var < BROKERS; var++)); do
      echo $((KAFKA_PORT + var)); echo $((KAFKA_CONTROLLER_PORT + var)); done; echo "$S3_PORT")"
    [[ -z "$(sort <<<"$ports" | uniq -d)" ]] ||
      die "the stack ports overlap: kafka $KAFKA_PORT.., controllers $KAFKA_CONTROLLER_PORT.. ($BROKERS each), s3 $S3_PORT"
  fi
  (( ${#S3_BUCKET} >= 3 )) || die "bucket name '$S3_BUCKET' is too short (S3 needs >= 3 chars)"
}

# The Python interpreter for the bucket bootstrap: $PYTHON, else the project venv, else python3.
python_bin() {
  if [[ -n ${PYTHON:-} ]]; then
    echo "$PYTHON"
  elif [[ -x $REPO_ROOT/.venv/bin/python ]]; then
    echo "$REPO_ROOT/.venv/bin/python"
  else
    echo python3
  fi
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no tools needed).
port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Serialise commands that change the stack, so two concurrent `up`s cannot both start
# a broker. The lock fd must be closed in the servers we spawn (`9>&-`), otherwise they
# would hold the lock for their whole life.
lock_state() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/stack.lock"
    flock -w 600 9 || die "another stack.sh is still running (lock $RUN_DIR/stack.lock)"
  fi
}

# The command-line fragment that identifies a process we started. A pid file alone is not
# trusted: after a reboot or a crash the pid may belong to an unrelated process.
signature() {
  case $1 in
    kafka*) echo "kafka.Kafka $STATE_DIR/$1/server.properties" ;;
    s3) echo "posix --versioning-dir $S3_VERSIONS $S3_DATA" ;;
  esac
}

# Prints the pid of service $1 if its pid file names a live process started by this script.
pid_of() {
  local pidfile="$RUN_DIR/$1.pid" pid args
  [[ -f $pidfile ]] || return 1
  pid="$(<"$pidfile")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null)" || return 1
  [[ $args == *"$(signature "$1")"* ]] || return 1
  echo "$pid"
}

# Last lines of a service log since its most recent start (logs are appended across
# restarts; each start writes a "===== ... stack.sh: starting" header), for error messages.
log_tail() {
  local file="$LOG_DIR/$1.log"
  [[ -f $file ]] || return 0
  printf '%s\n' "----- $file (last 40 lines of the latest start) -----" >&2
  awk '/^===== .* stack\.sh: starting / { n = 0 } { line[n++] = $0 }
       END { for (i = (n > 40 ? n - 40 : 0); i < n; i++) print line[i] }' "$file" >&2
  printf '%s\n' "-----" >&2
}

fail_start() {  # service, message
  log_tail "$1"
  die "$2 (\`$0 down\` stops whatever did start)"
}

# Refuses to start a service whose port is taken: it would fail anyway, and a healthy
# answer from a foreign process would be mistaken for ours.
check_ports_free() {
  local port ports
  case $1 in
    kafka*) ports=("$KAFKA_NODE_PORT" "$KAFKA_NODE_CONTROLLER_PORT") ;;  # the selected node
    s3) ports=("$S3_PORT") ;;
  esac
  if [[ $1 == kafka* ]] && (( SECURED )); then ports+=("$MTLS_PORT"); fi
  for port in "${ports[@]}"; do
    ! port_open "$port" || die "$1: port $HOST:$port is in use by a process this script did not start"
  done
}

# The Python interpreter must have boto3 for the bucket bootstrap; check before starting.
check_python() {
  local py
  py="$(python_bin)"
  "$py" -c 'import boto3' >/dev/null 2>&1 ||
    die "boto3 is not importable by '$py'; run \`make install\` first (or set PYTHON=/path/to/python)"
  if (( BROKERS > 1 || SECURED )); then
    "$py" -c 'import confluent_kafka' >/dev/null 2>&1 ||
      die "confluent_kafka is not importable by '$py' (cluster checks, ACLs); run \`make install\` first"
  fi
}

# ----------------------------------------------------------------------------------------
# install: Kafka jars (Maven) and versitygw (go install), cached under $CACHE_DIR
# ----------------------------------------------------------------------------------------
install_kafka() {
  local pom="$SCRIPT_DIR/kafka/pom.xml" want t0=$SECONDS
  # The marker holds the pom's checksum, so editing the pom triggers a fresh download.
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f $KAFKA_MARKER && "$(<"$KAFKA_MARKER")" == "$want" ]]; then
    log "kafka $KAFKA_VERSION: cached in $KAFKA_LIB"
    return 0
  fi
  need mvn "install Maven, e.g. apt-get install maven"
  log "kafka $KAFKA_VERSION: resolving jars from Maven Central into $KAFKA_LIB (about a minute)"
  rm -rf "$KAFKA_LIB"
  mkdir -p "$KAFKA_HOME"
  # Run from a copy of the pom in the cache so no target/ or other output lands in the repo.
  cp "$pom" "$KAFKA_HOME/pom.xml"
  # Output goes to a log (mvn -q still prints stray terminal escape codes); shown on failure.
  if ! (cd "$KAFKA_HOME" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$KAFKA_LIB") >"$KAFKA_HOME/mvn.log" 2>&1; then
    tail -n 40 "$KAFKA_HOME/mvn.log" >&2
    die "mvn failed to fetch the Kafka jars (full output: $KAFKA_HOME/mvn.log)"
  fi
  [[ -f $KAFKA_LIB/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  echo "$want" >"$KAFKA_MARKER"
  log "kafka $KAFKA_VERSION: $(find "$KAFKA_LIB" -name '*.jar' | wc -l) jars installed in $((SECONDS - t0))s"
}

install_versitygw() {
  local t0=$SECONDS
  if [[ -x $VGW_BIN ]]; then
    log "versitygw $VGW_VERSION: cached at $VGW_BIN"
    return 0
  fi
  need go "install Go >= 1.25 from https://go.dev/dl/"
  log "versitygw $VGW_VERSION: building with go install (1-2 minutes when the Go module cache is cold)"
  # go install writes the binary only once the build succeeded, so the existence check
  # above is a sufficient completion marker. -X main.Version makes `versitygw -v` honest.
  GOBIN="$(dirname "$VGW_BIN")" go install -ldflags "-X main.Version=$VGW_VERSION" \
    "github.com/versity/versitygw/cmd/versitygw@$VGW_VERSION" || die "go install of versitygw failed"
  [[ -x $VGW_BIN ]] || die "go install finished but $VGW_BIN does not exist"
  log "versitygw $VGW_VERSION: installed at $VGW_BIN in $((SECONDS - t0))s"
}

cmd_install() {
  need "$JAVA" "Kafka needs a Java 17 runtime, e.g. apt-get install openjdk-17-jre-headless"
  mkdir -p "$CACHE_DIR"
  # Separate lock for the shared cache (several checkouts/state dirs may install at once).
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$CACHE_DIR/.install.lock"
    flock -w 900 8 || die "timed out waiting for another install (lock $CACHE_DIR/.install.lock)"
  fi
  install_kafka
  install_versitygw
  if command -v flock >/dev/null 2>&1; then exec 8>&-; fi
}

# ----------------------------------------------------------------------------------------
# Kafka
# ----------------------------------------------------------------------------------------

# Generated on every start so that port changes take effect; data lives in $KAFKA_DATA.
# (for the node chosen by select_node).
write_kafka_config() {
  mkdir -p "$KAFKA_DATA" "$LOG_DIR" "$RUN_DIR"
  if (( SECURED )); then
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/stack.sh -- edits are overwritten on the next start.
# Secured mode: clients authenticate with SCRAM-SHA-512 over TLS, or with a client
# certificate on the MTLS listener (principal = its CN); ACLs decide the rest. The
# controller listener stays PLAINTEXT on loopback, as a combined KRaft node needs: its
# principal, ANONYMOUS, is a super user there only for controller RPCs.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=SASL_SSL://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,MTLS://$HOST:$MTLS_PORT
advertised.listeners=SASL_SSL://$HOST:$KAFKA_PORT,MTLS://$HOST:$MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL
listener.name.mtls.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=(.*?)\$/\$1/,DEFAULT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(user_password admin)";
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/server-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=$KAFKA_DATA
EOF
  chmod 600 "$KAFKA_CONF"   # holds the admin password
  fi
  if (( BROKERS == 1 && ! SECURED )); then
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/stack.sh -- edits are overwritten on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
EOF
  fi
  if (( BROKERS == 1 )); then
  cat >>"$KAFKA_CONF" <<EOF

# Single node: every replication factor / ISR must be 1, or transactions (Faust
# exactly_once) and consumer groups never become available.
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
EOF
  else
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/stack.sh -- edits are overwritten on the next start.
# Node $KAFKA_NODE of a $BROKERS-node KRaft cluster; every node is broker and controller.
process.roles=broker,controller
node.id=$KAFKA_NODE
controller.quorum.voters=$QUORUM_VOTERS
listeners=PLAINTEXT://$HOST:$KAFKA_NODE_PORT,CONTROLLER://$HOST:$KAFKA_NODE_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_NODE_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

# Production-like durability: every topic, internal ones included, has $REPLICATION
# replicas and takes acks=all writes while $MIN_ISR of them are in sync, so one broker
# may die or restart at a time without stopping producers or transactions.
default.replication.factor=$REPLICATION
offsets.topic.replication.factor=$REPLICATION
transaction.state.log.replication.factor=$REPLICATION
transaction.state.log.min.isr=$MIN_ISR
min.insync.replicas=$MIN_ISR
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
# Fewer internal partitions than the defaults (50 each): every replica is a fetcher
# task, and three JVMs share two cores here.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10
num.network.threads=2
num.io.threads=4
# A killed broker drops out of the ISR after 10 s (default 30 s), so acks=all writes
# stall that long at most before continuing with the other two replicas.
replica.lag.time.max.ms=10000
EOF
  fi
  cat >>"$KAFKA_CONF" <<EOF
num.partitions=$PARTITIONS
auto.create.topics.enable=true
# 8 MiB records (Kafka's default is about 1 MiB). The processor refuses fields over 1 MiB
# (max_field_bytes) and dead-letters the whole raw message as it came, so a 5 MB prompt
# must fit the raw topic and the DLQ; the processor produces up to the same limit
# (AUDITSTREAM_PROCESSOR__MAX_MESSAGE_BYTES). Topics get the same limit in ensure_topics.
message.max.bytes=8388608
replica.fetch.max.bytes=8388608
EOF

  # Broker log4j: everything to stdout, which start_kafka appends to logs/kafka.log.
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF

  # Command-line tools: warnings only, on stderr.
  cat >"$KAFKA_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF

  # Admin client settings for TopicCommand: fail fast instead of the 60 s default, so a
  # health poll against a broker that is still starting returns within seconds.
  cat >"$KAFKA_DIR/admin.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
  if (( SECURED )); then
    chmod 600 "$KAFKA_DIR/admin.properties"
    cat >>"$KAFKA_DIR/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(user_password admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
EOF
  fi
}

# Secured mode: a local CA, the broker's certificate (localhost, 127.0.0.1) and a client
# certificate for the MTLS listener (CN=processor, key encrypted). Made once per state
# directory, offline, with openssl; `reset` deletes them with the rest.
make_certificates() {
  [[ -f $TLS_DIR/server-keystore.pem ]] && return 0
  need openssl "secured mode makes its certificates with openssl"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes) ext
  log "kafka: making a local CA and certificates in $TLS_DIR"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  ext="$TLS_DIR/ext.cnf"
  {  # && throughout: set -e does not apply on the left of ||
    openssl req -x509 "${ec[@]}" -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" -days 3650 \
      -subj /CN=auditstream-local-ca -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign &&
    printf '%s\n' '[server]' basicConstraints=critical,CA:FALSE extendedKeyUsage=serverAuth \
      subjectAltName=DNS:localhost,IP:127.0.0.1 authorityKeyIdentifier=keyid \
      '[client]' basicConstraints=critical,CA:FALSE extendedKeyUsage=clientAuth \
      authorityKeyIdentifier=keyid >"$ext" &&
    openssl req -new "${ec[@]}" -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" -subj /CN=localhost &&
    openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$ext" -extensions server \
      -out "$TLS_DIR/server.pem" &&
    openssl req -new "${ec[@]}" -keyout "$TLS_DIR/client-plain.key" -out "$TLS_DIR/client.csr" -subj /CN=processor &&
    openssl x509 -req -in "$TLS_DIR/client.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days 825 -extfile "$ext" -extensions client \
      -out "$TLS_DIR/client.pem" &&
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$TLS_DIR/client-plain.key" \
      -passout "pass:$CLIENT_KEY_PASSWORD" -out "$TLS_DIR/client.key"
  } >>"$LOG_DIR/$KAFKA_SVC.log" 2>&1 || fail_start "$KAFKA_SVC" "openssl could not make the certificates"
  rm -f "$TLS_DIR"/*.csr "$TLS_DIR/client-plain.key" "$ext"
  # Written last: its presence marks a complete set (checked above).
  cat "$TLS_DIR/server.key" "$TLS_DIR/server.pem" >"$TLS_DIR/server-keystore.pem"
}

# Runs a Kafka command-line class with a small, fast-starting JVM.
kafka_tool() {
  timeout 60 "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIB/*" "$@"
}

topic_command() {
  kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$KAFKA_DIR/admin.properties" "$@"
}

format_kafka_storage() {
  local cluster_id id_file="$STATE_DIR/cluster.id"
  if (( BROKERS > 1 )) && [[ -f $id_file ]]; then
    cluster_id="$(<"$id_file")"   # every node of a cluster is formatted with one id
  else
    cluster_id="$(kafka_tool kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
    if (( BROKERS > 1 )); then echo "$cluster_id" >"$id_file"; fi
  fi
  log "$KAFKA_SVC: formatting $KAFKA_DATA (cluster id $cluster_id)"
  local scram=() user
  if (( SECURED )); then  # KRaft stores the SCRAM users in the metadata log from the start
    for user in "${SECURED_USERS[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(user_password "$user")]")
    done
  fi
  kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONF" "${scram[@]}" \
    >>"$LOG_DIR/$KAFKA_SVC.log" 2>&1 ||
    fail_start "$KAFKA_SVC" "kafka storage format failed"
}

# Healthy = the broker answers a metadata request. Leaves the topic list in KAFKA_TOPIC_LIST
# so that ensure_topics does not need another JVM start.
# In cluster mode: every node answers, all are registered, and the topics can be listed.
KAFKA_TOPIC_LIST=""
kafka_healthy() {
  if (( BROKERS > 1 )); then
    cluster_ready "${NODES[@]}" || return 1
  else
    port_open "$KAFKA_PORT" || return 1
  fi
  KAFKA_TOPIC_LIST="$(topic_command --list 2>/dev/null)"
}

# True when every node in "$@" accepts connections and is registered with the controller;
# with --in-sync first, also when no partition has a replica outside its ISR.
cluster_ready() {
  local opts=() ids=() n
  if [[ ${1:-} == --in-sync ]]; then opts+=(--in-sync); shift; fi
  for n in "$@"; do
    port_open $((KAFKA_PORT + n - 1)) || return 1
    ids+=("$n")
  done
  local IFS=,
  "$(python_bin)" "$SCRIPT_DIR/kafka_cluster.py" wait --bootstrap "$BOOTSTRAP" \
    --brokers "${ids[*]}" --timeout 0 "${opts[@]}" 2>/dev/null
}

start_kafka() {
  local pid
  if pid="$(pid_of "$KAFKA_SVC")"; then
    log "$KAFKA_SVC: already running (pid $pid)"
    return 0
  fi
  rm -f "$RUN_DIR/$KAFKA_SVC.pid"
  check_ports_free "$KAFKA_SVC"
  write_kafka_config
  if (( SECURED )); then make_certificates; fi
  printf '\n===== %s stack.sh: starting kafka =====\n' "$(date -Is)" >>"$LOG_DIR/$KAFKA_SVC.log"
  [[ -f $KAFKA_DATA/meta.properties ]] || format_kafka_storage
  # setsid: own session, so a Ctrl-C/SIGINT aimed at the caller's process group (make,
  # pytest, a terminal) does not take the broker down with it. nohup + setsid exec in
  # place, so $! is the JVM's pid.
  nohup setsid "$JAVA" "-Xmx$KAFKA_HEAP" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_CONF" \
    </dev/null >>"$LOG_DIR/$KAFKA_SVC.log" 2>&1 8>&- 9>&- &
  echo $! >"$RUN_DIR/$KAFKA_SVC.pid"
  log "$KAFKA_SVC: started (pid $!), log $LOG_DIR/$KAFKA_SVC.log"
}

wait_kafka() {
  local deadline=$((SECONDS + START_TIMEOUT)) n
  until kafka_healthy; do
    for n in "${NODES[@]}"; do
      select_node "$n"
      pid_of "$KAFKA_SVC" >/dev/null || fail_start "$KAFKA_SVC" "$KAFKA_SVC exited during startup (see log above)"
    done
    (( SECONDS < deadline )) || fail_start "$KAFKA_SVC" "kafka not healthy on $BOOTSTRAP after ${START_TIMEOUT}s"
    sleep 1
  done
  log "kafka: healthy on $BOOTSTRAP"
}

# Waits until node $1 is back: registered, and (cluster mode) every partition fully in
# sync again, which is what a rolling restart must wait for before the next node.
wait_node() {
  local deadline=$((SECONDS + START_TIMEOUT))
  select_node "$1"
  if (( BROKERS == 1 )); then wait_kafka; return; fi
  until cluster_ready --in-sync "$1"; do
    pid_of "$KAFKA_SVC" >/dev/null || fail_start "$KAFKA_SVC" "$KAFKA_SVC exited during startup (see log above)"
    (( SECONDS < deadline )) ||
      fail_start "$KAFKA_SVC" "$KAFKA_SVC not registered and in sync after ${START_TIMEOUT}s"
    sleep 1
  done
  log "$KAFKA_SVC: registered on $HOST:$KAFKA_NODE_PORT, all partitions in sync"
}

ensure_topics() {
  local entry name retention
  for entry in "${TOPICS[@]}"; do
    name="${entry%%:*}" retention="${entry#*:}"
    if grep -qxF "$name" <<<"$KAFKA_TOPIC_LIST"; then
      continue
    fi
    log "kafka: creating topic $name ($PARTITIONS partitions, retention.ms=$retention)"
    topic_command --create --if-not-exists --topic "$name" --partitions "$PARTITIONS" \
      --replication-factor "$REPLICATION" --config "retention.ms=$retention" \
      --config "max.message.bytes=8388608" >/dev/null ||
      die "could not create topic $name"
  done
}

# Secured mode: the per-principal ACLs of kafka_acls.py for the stack's topics and the
# workers' default groups (create_acls is idempotent, so this runs on every `up`).
ensure_acls() {
  AUDITSTREAM_STACK_ADMIN_PASSWORD="$(user_password admin)" \
    "$(python_bin)" "$SCRIPT_DIR/kafka_acls.py" --bootstrap "$BOOTSTRAP" --cafile "$TLS_DIR/ca.pem" ||
    die "could not create the ACLs"
}

# ----------------------------------------------------------------------------------------
# S3 (versitygw)
# ----------------------------------------------------------------------------------------
s3_healthy() {
  curl -fsS --max-time 2 -o /dev/null "http://$HOST:$S3_PORT/health" 2>/dev/null
}

start_s3() {
  local pid
  if pid="$(pid_of s3)"; then
    log "s3: already running (pid $pid)"
    return 0
  fi
  rm -f "$RUN_DIR/s3.pid"
  check_ports_free s3
  mkdir -p "$S3_DATA" "$S3_VERSIONS" "$LOG_DIR" "$RUN_DIR"
  printf '\n===== %s stack.sh: starting versitygw =====\n' "$(date -Is)" >>"$LOG_DIR/s3.log"
  # Root credentials go through the environment, not argv, so `ps` does not show them.
  # --versioning-dir enables bucket versioning, which Object Lock requires; object
  # metadata (retention, checksums) is kept in user xattrs of the files under $S3_DATA.
  ROOT_ACCESS_KEY_ID="$S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    nohup setsid "$VGW_BIN" --port "$HOST:$S3_PORT" --region "$S3_REGION" --health /health \
    --quiet --keep-alive \
    posix --versioning-dir "$S3_VERSIONS" "$S3_DATA" \
    </dev/null >>"$LOG_DIR/s3.log" 2>&1 8>&- 9>&- &
  echo $! >"$RUN_DIR/s3.pid"
  log "s3: started versitygw (pid $!), log $LOG_DIR/s3.log"
}

wait_s3() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until s3_healthy; do
    pid_of s3 >/dev/null || fail_start s3 "versitygw exited during startup (see log above)"
    (( SECONDS < deadline )) || fail_start s3 "versitygw not healthy on $HOST:$S3_PORT after ${START_TIMEOUT}s"
    sleep 0.5
  done
  log "s3: healthy on http://$HOST:$S3_PORT"
}

ensure_bucket() {
  local py
  py="$(python_bin)"
  AUDITSTREAM_STACK_S3_ACCESS_KEY="$S3_ACCESS_KEY" AUDITSTREAM_STACK_S3_SECRET_KEY="$S3_SECRET_KEY" \
    "$py" "$SCRIPT_DIR/s3_bootstrap.py" --endpoint-url "http://$HOST:$S3_PORT" \
    --bucket "$S3_BUCKET" --region "$S3_REGION" || die "S3 bucket bootstrap failed"
}

# ----------------------------------------------------------------------------------------
# Stopping
# ----------------------------------------------------------------------------------------

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL. Only ever signals a pid that pid_of
# has matched against the command line we launched.
stop_service() {
  local name=$1 pidfile="$RUN_DIR/$1.pid" pid deadline
  if ! pid="$(pid_of "$name")"; then
    if [[ -f $pidfile ]]; then
      log "$name: not running (removing stale pid file)"
      rm -f "$pidfile"
    else
      log "$name: not running"
    fi
    return 0
  fi
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "$name: still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  log "$name: stopped"
}

# Stops every Kafka node; a cluster's nodes in parallel, since a node's controlled
# shutdown waits for a controller quorum that stopping them one by one would take away.
stop_kafka() {
  local n
  if (( BROKERS == 1 )); then
    stop_service kafka
    return
  fi
  for n in "${NODES[@]}"; do
    stop_service "kafka$n" &
  done
  wait
}

# SIGKILL node $1 at once (a crashed broker: no controlled shutdown, no flush).
kill_node() {
  local pid deadline
  select_node "$1"
  if ! pid="$(pid_of "$KAFKA_SVC")"; then
    log "$KAFKA_SVC: not running"
    rm -f "$RUN_DIR/$KAFKA_SVC.pid"
    return 0
  fi
  log "$KAFKA_SVC: SIGKILL pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  rm -f "$RUN_DIR/$KAFKA_SVC.pid"
  log "$KAFKA_SVC: killed"
}

# ----------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------
all_kafka_running() {
  local n
  for n in "${NODES[@]}"; do
    select_node "$n"
    pid_of "$KAFKA_SVC" >/dev/null || return 1
  done
}

cmd_up() {
  local t0=$SECONDS n
  check_python
  cmd_install
  lock_state
  if all_kafka_running && pid_of s3 >/dev/null && s3_healthy && kafka_healthy; then
    log "already running and healthy"
  else
    # Check every port before starting anything, so a conflict does not leave half a stack.
    for n in "${NODES[@]}"; do
      select_node "$n"
      pid_of "$KAFKA_SVC" >/dev/null || check_ports_free "$KAFKA_SVC"
    done
    pid_of s3 >/dev/null || check_ports_free s3
    for n in "${NODES[@]}"; do
      select_node "$n"
      start_kafka
    done
    start_s3
    wait_s3       # seconds
    wait_kafka    # ~10 s on a cold start (a 3-node cluster: ~20 s on two cores)
  fi
  ensure_topics
  if (( SECURED )); then ensure_acls; fi
  ensure_bucket
  log "stack up in $((SECONDS - t0))s: kafka $BOOTSTRAP, s3 http://$HOST:$S3_PORT, bucket $S3_BUCKET"
  if (( BROKERS > 1 )); then
    log "$BROKERS brokers: replication factor $REPLICATION, min.insync.replicas $MIN_ISR; state in $STATE_DIR"
    log "client settings: eval \"\$(AUDITSTREAM_STACK_BROKERS=$BROKERS $0 env)\""
  elif (( SECURED )); then
    log "secured: SASL_SSL (SCRAM-SHA-512) on $BOOTSTRAP, mTLS on $HOST:$MTLS_PORT; state in $STATE_DIR"
    log "a role's settings: eval \"\$($0 --secured env sdk|processor|sink|auditor)\""
  else
    log "client settings: eval \"\$($0 env)\""
  fi
}

cmd_down() {
  lock_state
  stop_service s3
  stop_kafka
}

cmd_kafka_start() {
  local n
  cmd_install
  lock_state
  for n in "${NODES[@]}"; do
    select_node "$n"
    start_kafka
  done
  wait_kafka
}

cmd_s3_start() {
  cmd_install
  lock_state
  start_s3
  wait_s3
}

# broker stop|start|kill N: one node of the cluster (node 1 is the single broker).
cmd_broker() {
  local action=${1:-} node=${2:-}
  [[ $node =~ ^[0-9]+$ ]] && (( node >= 1 && node <= BROKERS )) ||
    die "broker $action: node must be 1..$BROKERS, got '$node' (AUDITSTREAM_STACK_BROKERS=$BROKERS)"
  case $action in
    stop) lock_state; select_node "$node"; stop_service "$KAFKA_SVC" ;;
    kill) lock_state; kill_node "$node" ;;
    start)
      cmd_install
      lock_state
      select_node "$node"
      start_kafka
      wait_node "$node"
      ;;
    *) die "broker: expected stop|start|kill N, got '$action'" ;;
  esac
}

cmd_leaders() {
  [[ -n ${1:-} ]] || die "leaders: name a topic"
  "$(python_bin)" "$SCRIPT_DIR/kafka_cluster.py" leaders --bootstrap "$BOOTSTRAP" --topic "$1"
}

kafka_status_line() {  # the selected node
  local pid name=$KAFKA_SVC where="$HOST:$KAFKA_NODE_PORT (controller $KAFKA_NODE_CONTROLLER_PORT)"
  if pid="$(pid_of "$name")"; then
    if { (( BROKERS == 1 )) && kafka_healthy; } || { (( BROKERS > 1 )) && cluster_ready "$KAFKA_NODE"; }; then
      printf '%-6s %-8s %s  pid %s\n' "$name" healthy "$where" "$pid"
    else
      printf '%-6s %-8s %s  pid %s\n' "$name" running "$HOST:$KAFKA_NODE_PORT (not answering yet)" "$pid"; return 1
    fi
  else
    printf '%-6s %-8s %s\n' "$name" stopped "$HOST:$KAFKA_NODE_PORT$(port_open "$KAFKA_NODE_PORT" && echo ' (port used by another process)')"; return 1
  fi
}

cmd_status() {
  local pid ok=0 n
  for n in "${NODES[@]}"; do
    select_node "$n"
    kafka_status_line || ok=1
  done
  if pid="$(pid_of s3)"; then
    if s3_healthy; then
      printf '%-6s %-8s %s  pid %s\n' s3 healthy "http://$HOST:$S3_PORT (bucket $S3_BUCKET)" "$pid"
    else
      printf '%-6s %-8s %s  pid %s\n' s3 running "http://$HOST:$S3_PORT (not answering yet)" "$pid"; ok=1
    fi
  else
    printf '%-6s %-8s %s\n' s3 stopped "http://$HOST:$S3_PORT$(port_open "$S3_PORT" && echo ' (port used by another process)')"; ok=1
  fi
  return "$ok"
}

cmd_reset() {
  cmd_down
  # Guard against a mis-set AUDITSTREAM_STACK_DIR wiping something important.
  case "$STATE_DIR" in
    "" | / | "$HOME" | "$HOME/" | "$REPO_ROOT" | "$REPO_ROOT/") die "refusing to delete STATE_DIR='$STATE_DIR'" ;;
  esac
  log "deleting $STATE_DIR"
  rm -rf "$STATE_DIR"
}

cmd_env() {
  if (( SECURED )); then cmd_env_secured "${1:-}"; return; fi
  printf 'export %s=%q\n' \
    AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS "$BOOTSTRAP" \
    AUDITSTREAM_S3__ENDPOINT_URL "http://$HOST:$S3_PORT" \
    AUDITSTREAM_S3__ACCESS_KEY_ID "$S3_ACCESS_KEY" \
    AUDITSTREAM_S3__SECRET_ACCESS_KEY "$S3_SECRET_KEY" \
    AUDITSTREAM_S3__BUCKET "$S3_BUCKET" \
    AUDITSTREAM_S3__REGION "$S3_REGION" \
    AUDITSTREAM_TEST_KAFKA "$BOOTSTRAP" \
    AUDITSTREAM_TEST_S3_ENDPOINT "http://$HOST:$S3_PORT"
}

# Secured mode: the settings of one role's principal (no AUDITSTREAM_TEST_* variables:
# tests that expect the plain shared broker must not pick this one up).
cmd_env_secured() {
  local role=$1
  [[ " ${SECURED_USERS[*]} " == *" $role "* ]] ||
    die "env: secured mode needs a role: ${SECURED_USERS[*]} (e.g. \`$0 --secured env sdk\`)"
  printf 'export %s=%q\n' \
    AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS "$BOOTSTRAP" \
    AUDITSTREAM_KAFKA__SECURITY_PROTOCOL SASL_SSL \
    AUDITSTREAM_KAFKA__SASL_MECHANISM SCRAM-SHA-512 \
    AUDITSTREAM_KAFKA__SASL_USERNAME "$role" \
    AUDITSTREAM_KAFKA__SASL_PASSWORD "$(user_password "$role")" \
    AUDITSTREAM_KAFKA__SSL_CAFILE "$TLS_DIR/ca.pem" \
    AUDITSTREAM_S3__ENDPOINT_URL "http://$HOST:$S3_PORT" \
    AUDITSTREAM_S3__ACCESS_KEY_ID "$S3_ACCESS_KEY" \
    AUDITSTREAM_S3__SECRET_ACCESS_KEY "$S3_SECRET_KEY" \
    AUDITSTREAM_S3__BUCKET "$S3_BUCKET" \
    AUDITSTREAM_S3__REGION "$S3_REGION"
}

usage() {
  cat <<EOF
Usage: $0 [--brokers N | --secured] <command>

  install      fetch Kafka $KAFKA_VERSION jars and build versitygw $VGW_VERSION into $CACHE_DIR
  up           install, start Kafka and S3, wait until healthy, create topics and bucket
  down         stop both services (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
  status       show each service; exit 0 only if all are healthy
  reset        down, then delete $STATE_DIR
  env          print export lines for clients: eval "\$($0 env)"
               (secured mode: \`env ROLE\`, ROLE one of ${SECURED_USERS[*]})
  kafka-stop | kafka-start | s3-stop | s3-start
               stop/start one service (every Kafka node), keeping its data (for fault tests)
  broker stop|start|kill N
               one Kafka node: graceful stop, start (waits until registered and, in
               cluster mode, every partition in sync), or SIGKILL; data kept
  leaders TOPIC
               print "partition leader-node" for each partition of TOPIC

--brokers N (or AUDITSTREAM_STACK_BROKERS=N, 1-5; default 1): N combined KRaft nodes with
replication factor min(N,3) and min.insync.replicas one less, internal topics included.
With N > 1 the defaults move out of the single stack's way: state in
~/.local/state/auditstream/stack-Nbrokers, kafka 19192.. (controllers 19292..), s3 19190.

--secured (or AUDITSTREAM_STACK_SECURED=1): one broker with a SASL_SSL listener
(SCRAM-SHA-512 users ${SECURED_USERS[*]}), an mTLS listener (client certificate
CN=processor), locally made certificates and ACLs per principal (deploy/local/kafka_acls.py).
State in ~/.local/state/auditstream/stack-secured; kafka 19392, controller 19393, mtls 19394
(AUDITSTREAM_STACK_KAFKA_MTLS_PORT), s3 19390.

Ports now: kafka $BOOTSTRAP (controllers from $KAFKA_CONTROLLER_PORT), s3 $HOST:$S3_PORT.
See deploy/local/README.md for the environment variables.
EOF
}

main() {
  check_config
  case "${1:-}" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    env) cmd_env "${2:-}" ;;
    kafka-stop) lock_state; stop_kafka ;;
    kafka-start) cmd_kafka_start ;;
    s3-stop) lock_state; stop_service s3 ;;
    s3-start) cmd_s3_start ;;
    broker) cmd_broker "${2:-}" "${3:-}" ;;
    leaders) cmd_leaders "${2:-}" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
