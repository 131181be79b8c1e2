{{/*
Names, labels, images and the services of each topology.
Component helpers take a context made by "lakekeeper.ctx": (dict "root" $ "component" "catalog").
*/}}

{{- define "lakekeeper.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lakekeeper.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "lakekeeper.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lakekeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lakekeeper.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lakekeeper.labels" -}}
helm.sh/chart: {{ include "lakekeeper.chart" . }}
{{ include "lakekeeper.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lakekeeper
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "lakekeeper.annotations" -}}
{{- with .Values.commonAnnotations -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* The services of the chosen topology, space-separated, in start-up order. */}}
{{- define "lakekeeper.components" -}}
{{- if eq .Values.topology "standalone" -}}
standalone
{{- else -}}
authz catalog signer management events gateway
{{- end -}}
{{- end -}}

{{/* The service engines and the gateway's Ingress talk to. */}}
{{- define "lakekeeper.publicComponent" -}}
{{- if eq .Values.topology "standalone" }}standalone{{ else }}gateway{{ end -}}
{{- end -}}

{{/*
What each service needs (roles):
  public      the entry engines call (its Service is named <fullname>)
  gateway     routes to catalog, signer and management
  db          LAKEKEEPER__DATABASE__*
  secrets     LAKEKEEPER__SECRETS__* (encrypts storage credentials)
  authzClient asks the authz service over gRPC (LAKEKEEPER__AUTHZ__ENDPOINT)
  authzEngine runs the authorization engine (backend settings, OpenFGA)
  grpc        serves the internal gRPC port
  auth        authenticates callers itself (OIDC, Kubernetes tokens; the gateway passes tokens through)
  publicApi   serves part of the public API behind the gateway
  events      publishes change events (NATS, Kafka)
  internal    takes part in service-to-service calls (the internal token)
*/}}
{{- define "lakekeeper.roles" -}}
{{- $c := .component -}}
{{- if eq $c "gateway" -}}public gateway internal
{{- else if has $c (list "catalog" "signer" "management") -}}db secrets authzClient auth publicApi internal
{{- else if eq $c "authz" -}}db authzEngine grpc internal
{{- else if eq $c "events" -}}db events internal
{{- else if eq $c "standalone" -}}public db secrets authzEngine auth publicApi events
{{- end -}}
{{- end -}}

{{- define "lakekeeper.hasRole" -}}
{{- if has .role (splitList " " (include "lakekeeper.roles" .ctx)) }}true{{ end -}}
{{- end -}}

{{- define "lakekeeper.componentName" -}}
{{- printf "%s-%s" (include "lakekeeper.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "lakekeeper.serviceName" -}}
{{- if eq .component (include "lakekeeper.publicComponent" .root) -}}
{{- include "lakekeeper.fullname" .root -}}
{{- else -}}
{{- include "lakekeeper.componentName" . -}}
{{- end -}}
{{- end -}}

{{- define "lakekeeper.componentSelectorLabels" -}}
{{ include "lakekeeper.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lakekeeper.componentLabels" -}}
{{ include "lakekeeper.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lakekeeper.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "lakekeeper.componentName" .) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{- define "lakekeeper.image" -}}
{{- $registry := default .Values.image.registry .Values.global.imageRegistry -}}
{{- $repository := .Values.image.repository -}}
{{- $name := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $name .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $name (default .Chart.AppVersion .Values.image.tag | toString) -}}
{{- end -}}
{{- end -}}

{{- define "lakekeeper.imagePullSecrets" -}}
{{- $secrets := concat (.Values.global.imagePullSecrets | default list) (.Values.image.pullSecrets | default list) | uniq -}}
{{- if $secrets -}}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name | quote }}{{ else }}{{ . | quote }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The Secret the chart manages (generated keys, an inline database password). */}}
{{- define "lakekeeper.secretName" -}}
{{- include "lakekeeper.fullname" . -}}
{{- end -}}

{{- define "lakekeeper.generatesEncryptionKey" -}}
{{- if not .Values.secrets.encryptionKey.existingSecret }}true{{ end -}}
{{- end -}}

{{- define "lakekeeper.generatesServiceToken" -}}
{{- if and (eq .Values.topology "microservices") (not .Values.serviceToken.existingSecret) }}true{{ end -}}
{{- end -}}

{{- define "lakekeeper.storesDatabasePassword" -}}
{{- $db := .Values.externalDatabase -}}
{{- if and (not $db.existingSecret) $db.password }}true{{ end -}}
{{- end -}}

{{/* Host:port of a Service in this namespace, as an http URL. */}}
{{/* The headless Service of a gRPC component (its name resolves to the ready pods' addresses). */}}
{{- define "lakekeeper.headlessServiceName" -}}
{{- printf "%s-headless" (include "lakekeeper.componentName" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lakekeeper.serviceUrl" -}}
{{- $ctx := dict "root" .root "component" .component -}}
{{- printf "http://%s:%d" (include "lakekeeper.serviceName" $ctx) (int64 .port) -}}
{{- end -}}

{{- define "lakekeeper.int" -}}
{{- int64 . | toString -}}
{{- end -}}

{{/* Checks that JSON schema cannot express with a readable message. */}}
{{- define "lakekeeper.validateValues" -}}
{{- $errors := list -}}
{{- $db := .Values.externalDatabase -}}
{{- if and $db.existingSecretConnectionStringKey (not $db.existingSecret) -}}
{{- $errors = append $errors "externalDatabase.existingSecretConnectionStringKey needs externalDatabase.existingSecret (the Secret that holds the connection string)" -}}
{{- end -}}
{{- if and (not $db.existingSecretConnectionStringKey) (not $db.host) -}}
{{- $errors = append $errors "externalDatabase.host is required: the Postgres host (or set externalDatabase.existingSecret and externalDatabase.existingSecretConnectionStringKey)" -}}
{{- end -}}
{{- if and $db.password $db.existingSecret -}}
{{- $errors = append $errors "externalDatabase.password and externalDatabase.existingSecret are both set: keep one (the password is read from the Secret)" -}}
{{- end -}}
{{- if and (eq .Values.authz.backend "openfga") (not .Values.authz.openfga.endpoint) -}}
{{- $errors = append $errors "authz.openfga.endpoint is required with authz.backend=openfga" -}}
{{- end -}}
{{- $fga := .Values.authz.openfga -}}
{{- if and (or $fga.apiKeyKey $fga.clientIdKey $fga.clientSecretKey) (not $fga.existingSecret) -}}
{{- $errors = append $errors "authz.openfga.apiKeyKey/clientIdKey/clientSecretKey name keys of authz.openfga.existingSecret, which is empty" -}}
{{- end -}}
{{- $nats := .Values.events.nats -}}
{{- if and (or $nats.passwordKey $nats.tokenKey $nats.credsFileKey) (not $nats.existingSecret) -}}
{{- $errors = append $errors "events.nats.passwordKey/tokenKey/credsFileKey name keys of events.nats.existingSecret, which is empty" -}}
{{- end -}}
{{- if and .Values.events.kafka.topic (not (index .Values.events.kafka.config "bootstrap.servers")) -}}
{{- $errors = append $errors "events.kafka.config.bootstrap.servers is required when events.kafka.topic is set" -}}
{{- end -}}
{{- range $name, $_ := .Values.config.env -}}
{{- if regexMatch "(?i)(password|secret|token|encryptionkey|previouskeys|api_key)" (regexReplaceAll "(?i)(_endpoint|_file|_uri|_claim)$" $name "") -}}
{{- $errors = append $errors (printf "config.env.%s looks like a secret and would be stored in a ConfigMap: set it in <service>.extraEnv with valueFrom.secretKeyRef" $name) -}}
{{- end -}}
{{- end -}}
{{- range $name, $_ := .Values.events.kafka.config -}}
{{- if regexMatch "(?i)(password|secret|token|ssl.key|keystore)" $name -}}
{{- $errors = append $errors (printf "events.kafka.config.%s would be stored in a ConfigMap: move it to events.kafka.secretConfig (a Secret reference)" $name) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- $errors = append $errors "metrics.serviceMonitor.enabled needs metrics.enabled (the port it scrapes)" -}}
{{- end -}}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) -}}
{{- $errors = append $errors "httpRoute.parentRefs is required when httpRoute.enabled: the Gateway(s) the route attaches to" -}}
{{- end -}}
{{- if ge (int64 .Values.config.shutdownTimeoutSeconds) (int64 .Values.terminationGracePeriodSeconds) -}}
{{- $errors = append $errors "terminationGracePeriodSeconds must be longer than config.shutdownTimeoutSeconds, or Kubernetes kills pods while they drain" -}}
{{- end -}}
{{- if $errors -}}
{{- printf "\n\nVALUES VALIDATION:\n  - %s\n" (join "\n  - " $errors) | fail -}}
{{- end -}}
{{- end -}}

{{/* A PodDisruptionBudget count: an integer, or a quoted percentage. */}}
{{- define "lakekeeper.intOrPercent" -}}
{{- if hasSuffix "%" . -}}{{ quote . }}{{- else -}}{{ . }}{{- end -}}
{{- end -}}
