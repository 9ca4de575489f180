{{/*
The chart's name, or nameOverride: the app.kubernetes.io/name label and the
Prometheus job name the alert rules select.
*/}}
{{- define "hook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: "<release>-<name>", or the release name
alone when it already contains the chart's name.
*/}}
{{- define "hook.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hook.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hook.labels" -}}
helm.sh/chart: {{ include "hook.chart" . }}
{{ include "hook.selectorLabels" . }}
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selects hook's pods (and only them: the bundled Redis has component=redis). */}}
{{- define "hook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "hook.redis.fullname" -}}
{{- printf "%s-redis" (include "hook.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hook.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "hook.redis.labels" -}}
helm.sh/chart: {{ include "hook.chart" . }}
{{ include "hook.redis.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hook.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods take their environment from. */}}
{{- define "hook.secretName" -}}
{{- default (include "hook.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The ConfigMap holding the rules file, and the key it is under. */}}
{{- define "hook.rulesConfigMap" -}}
{{- default (printf "%s-rules" (include "hook.fullname" .)) .Values.rules.existingConfigMap }}
{{- end }}

{{- define "hook.rulesKey" -}}
{{- if .Values.rules.existingConfigMap }}{{ .Values.rules.existingConfigMapKey }}{{ else }}rules.yaml{{ end }}
{{- end }}

{{- define "hook.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
hook.validate refuses values that would install replicas unable to work
together, saying which value to set.
*/}}
{{- define "hook.validate" -}}
{{- $s := .Values.secrets }}
{{- if not (or $s.existingSecret $s.callbackKey $s.extra) }}
{{- fail "hook needs the TRTC callback key: set secrets.callbackKey (or per-app keys in secrets.extra, named by the rules file's apps:), or secrets.existingSecret naming a Secret that holds TRTC_CALLBACK_KEY. Without one, every replica would invent its own development key." }}
{{- end }}
{{- if and .Values.redis.url .Values.redis.bundled.enabled }}
{{- fail "set either redis.url (an existing Redis) or redis.bundled.enabled, not both" }}
{{- end }}
{{- if not (or .Values.redis.url .Values.redis.bundled.enabled $s.existingSecret) }}
{{- fail "hook's replicas need one shared Redis: set redis.url (redis://HOST:6379/0), or redis.bundled.enabled=true, or put HOOK_REDIS_URL in secrets.existingSecret" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled needs httpRoute.parentRefs: the Gateway(s) the route attaches to, e.g. [{name: public, namespace: gateway-system}]" }}
{{- end }}
{{- if not (has .Values.podAntiAffinity (list "" "soft" "hard")) }}
{{- fail (printf "podAntiAffinity must be \"soft\", \"hard\" or \"\", not %q" .Values.podAntiAffinity) }}
{{- end }}
{{- end }}
