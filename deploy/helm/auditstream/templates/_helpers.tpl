{{/* Names, labels and the pieces both worker Deployments share. */}}

{{- define "auditstream.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "auditstream.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one stage; call with (dict "root" $ "stage" "processor"). */}}
{{- define "auditstream.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .stage }}
{{- end -}}

{{- define "auditstream.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "auditstream.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ .Values.serviceAccount.name | default (include "auditstream.fullname" .) }}
{{- else -}}
{{ .Values.serviceAccount.name | default "default" }}
{{- end -}}
{{- end -}}

{{- define "auditstream.keysSecret" -}}
{{- if .Values.keys.existingSecret -}}
{{ .Values.keys.existingSecret }}
{{- else -}}
{{ include "auditstream.fullname" . }}-keys
{{- end -}}
{{- end -}}

{{- define "auditstream.usesTls" -}}
{{- if has .Values.kafka.securityProtocol (list "SSL" "SASL_SSL") }}true{{ end -}}
{{- end -}}

{{- define "auditstream.usesSasl" -}}
{{- if has .Values.kafka.securityProtocol (list "SASL_PLAINTEXT" "SASL_SSL") }}true{{ end -}}
{{- end -}}

{{/* AUDITSTREAM_KAFKA__* and AUDITSTREAM_TOPICS__* of one stage (its own principal). */}}
{{- define "auditstream.kafkaEnv" -}}
{{- $v := .root.Values -}}
- name: AUDITSTREAM_KAFKA__BOOTSTRAP_SERVERS
  value: {{ $v.kafka.bootstrapServers | quote }}
- name: AUDITSTREAM_KAFKA__SECURITY_PROTOCOL
  value: {{ $v.kafka.securityProtocol | quote }}
{{- if include "auditstream.usesSasl" .root }}
- name: AUDITSTREAM_KAFKA__SASL_MECHANISM
  value: {{ required "kafka.saslMechanism is required with a SASL security protocol" $v.kafka.saslMechanism | quote }}
- name: AUDITSTREAM_KAFKA__SASL_USERNAME
  value: {{ required (printf "kafka.%s.username is required with SASL" .stage) (index $v.kafka .stage).username | quote }}
- name: AUDITSTREAM_KAFKA__SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.credentialsSecret is required with SASL" $v.kafka.credentialsSecret }}
      key: {{ .stage }}-password
{{- end }}
{{- if and (include "auditstream.usesTls" .root) $v.kafka.caSecret }}
- name: AUDITSTREAM_KAFKA__SSL_CAFILE
  value: /etc/auditstream/kafka-ca/ca.crt
{{- end }}
- name: AUDITSTREAM_TOPICS__RAW
  value: {{ $v.topics.raw | quote }}
- name: AUDITSTREAM_TOPICS__REDACTED
  value: {{ $v.topics.redacted | quote }}
- name: AUDITSTREAM_TOPICS__DLQ
  value: {{ $v.topics.dlq | quote }}
{{- end -}}

{{/* AUDITSTREAM_SCHEMA_REGISTRY__* of the processor, when a registry is configured. */}}
{{- define "auditstream.schemaRegistryEnv" -}}
{{- $r := .Values.schemaRegistry -}}
{{- if $r.url }}
- name: AUDITSTREAM_SCHEMA_REGISTRY__URL
  value: {{ $r.url | quote }}
{{- if $r.basicAuthUser }}
- name: AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_USER
  value: {{ $r.basicAuthUser | quote }}
- name: AUDITSTREAM_SCHEMA_REGISTRY__BASIC_AUTH_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "schemaRegistry.credentialsSecret is required with schemaRegistry.basicAuthUser" $r.credentialsSecret }}
      key: password
{{- end }}
{{- if $r.caSecret }}
- name: AUDITSTREAM_SCHEMA_REGISTRY__SSL_CAFILE
  value: /etc/auditstream/registry-ca/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* Volumes both stages mount: /tmp, the keys, the Kafka CA (the processor: the registry's CA). */}}
{{- define "auditstream.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: keys
  secret:
    secretName: {{ include "auditstream.keysSecret" .root }}
    defaultMode: 0440
    items:
      - key: {{ .stage | eq "processor" | ternary "hmac.key" "signing.key" }}
        path: {{ .stage | eq "processor" | ternary "hmac.key" "signing.key" }}
{{- if and (include "auditstream.usesTls" .root) .root.Values.kafka.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .root.Values.kafka.caSecret }}
    defaultMode: 0444
{{- end }}
{{- if and (eq .stage "processor") .root.Values.schemaRegistry.url .root.Values.schemaRegistry.caSecret }}
- name: registry-ca
  secret:
    secretName: {{ .root.Values.schemaRegistry.caSecret }}
    defaultMode: 0444
{{- end }}
{{- end -}}

{{- define "auditstream.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: keys
  mountPath: /etc/auditstream/keys
  readOnly: true
{{- if and (include "auditstream.usesTls" .root) .root.Values.kafka.caSecret }}
- name: kafka-ca
  mountPath: /etc/auditstream/kafka-ca
  readOnly: true
{{- end }}
{{- if and (eq .stage "processor") .root.Values.schemaRegistry.url .root.Values.schemaRegistry.caSecret }}
- name: registry-ca
  mountPath: /etc/auditstream/registry-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* Probes on the metrics port: startup and liveness on /healthz, readiness on /readyz. */}}
{{- define "auditstream.probes" -}}
startupProbe:
  httpGet: {path: /healthz, port: metrics}
  periodSeconds: 5
  failureThreshold: {{ div .startupSeconds 5 }}
livenessProbe:
  httpGet: {path: /healthz, port: metrics}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /readyz, port: metrics}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}
