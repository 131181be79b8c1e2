{{/*
The services' settings. Non-secret settings go to each service's ConfigMap ("lakekeeper.configEnv");
secrets only ever go through secretKeyRef ("lakekeeper.secretEnv"). README.md lists which value
becomes which variable.
*/}}

{{/* The variable of the token services present to each other; one place to rename it. */}}
{{- define "lakekeeper.env.serviceToken" -}}LAKEKEEPER__SERVICE_TOKEN{{- end -}}

{{/* Where a NATS credentials file is mounted. */}}
{{- define "lakekeeper.natsCredsDir" -}}/etc/lakekeeper/nats{{- end -}}

{{- define "lakekeeper.database.connectionString" -}}
{{- $db := .Values.externalDatabase -}}
{{- $parts := list (printf "Host=%s" $db.host) (printf "Port=%d" (int64 $db.port)) (printf "Database=%s" $db.database) (printf "Username=%s" $db.user) -}}
{{- if $db.sslMode }}{{ $parts = append $parts (printf "SSL Mode=%s" $db.sslMode) }}{{ end -}}
{{- if $db.extraParameters }}{{ $parts = append $parts (trimSuffix ";" $db.extraParameters) }}{{ end -}}
{{- join ";" $parts -}}
{{- end -}}

{{/* Non-secret database settings (ConfigMap data or plain env). */}}
{{- define "lakekeeper.database.configEnv" -}}
{{- $db := .Values.externalDatabase -}}
{{- $env := dict -}}
{{- if not $db.existingSecretConnectionStringKey -}}
{{- $_ := set $env "LAKEKEEPER__DATABASE__CONNECTIONSTRING" (include "lakekeeper.database.connectionString" .) -}}
{{- end -}}
{{- $_ := set $env "LAKEKEEPER__DATABASE__MAXPOOLSIZE" (include "lakekeeper.int" $db.maxPoolSize) -}}
{{- $_ := set $env "LAKEKEEPER__DATABASE__STARTUPTIMEOUTSECONDS" (include "lakekeeper.int" $db.startupTimeoutSeconds) -}}
{{- toYaml $env -}}
{{- end -}}

{{/* Secret database settings as env entries; .passwordSecret names the Secret of an inline password. */}}
{{- define "lakekeeper.database.secretEnv" -}}
{{- $db := .root.Values.externalDatabase -}}
{{- if $db.existingSecretConnectionStringKey }}
- name: LAKEKEEPER__DATABASE__CONNECTIONSTRING
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret | quote }}
      key: {{ $db.existingSecretConnectionStringKey | quote }}
{{- end }}
{{- if $db.existingSecret }}
- name: LAKEKEEPER__DATABASE__PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret | quote }}
      key: {{ $db.existingSecretPasswordKey | quote }}
      {{- if $db.existingSecretConnectionStringKey }}
      optional: true
      {{- end }}
{{- else if include "lakekeeper.storesDatabasePassword" .root }}
- name: LAKEKEEPER__DATABASE__PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .passwordSecret | quote }}
      key: database-password
{{- end }}
{{- end -}}

{{- define "lakekeeper.configEnv" -}}
{{- $ctx := . -}}
{{- $v := .root.Values -}}
{{- $env := dict -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__BINDADDRESS" "0.0.0.0" -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__LISTENPORT" (include "lakekeeper.int" $v.containerPorts.http) -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__MAXREQUESTBODYBYTES" (include "lakekeeper.int" $v.config.maxRequestBodyBytes) -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__SHUTDOWNTIMEOUTSECONDS" (include "lakekeeper.int" $v.config.shutdownTimeoutSeconds) -}}
{{- $_ := set $env "LAKEKEEPER__LOG__FORMAT" (toString $v.config.log.format) -}}
{{- $_ := set $env "LAKEKEEPER__LOG__LEVEL" (toString $v.config.log.level) -}}
{{- $_ := set $env "LAKEKEEPER__METRICS_PORT" (ternary (include "lakekeeper.int" $v.metrics.port) "0" (eq (toString $v.metrics.enabled) "true")) -}}
{{- with $v.telemetry.otlp -}}
{{- if .endpoint -}}
{{- $_ := set $env "LAKEKEEPER__TELEMETRY__OTLPENDPOINT" (toString .endpoint) -}}
{{- $_ := set $env "LAKEKEEPER__TELEMETRY__OTLPPROTOCOL" (toString .protocol) -}}
{{- $_ := set $env "LAKEKEEPER__TELEMETRY__SAMPLINGRATIO" (toString .samplingRatio) -}}
{{- end -}}
{{- end -}}
{{- if and $v.config.publicBaseUri (or (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "public")) (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "publicApi"))) -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__PUBLICBASEURI" (toString $v.config.publicBaseUri) -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "grpc") -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__INTERNALPORT" (include "lakekeeper.int" $v.containerPorts.grpc) -}}
{{- /* Other pods call it: open inside the pod; the service token (LAKEKEEPER__SERVICE_TOKEN) is then required. */ -}}
{{- $_ := set $env "LAKEKEEPER__SERVER__INTERNALBINDADDRESS" "0.0.0.0" -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "db") -}}
{{- $env = merge $env (include "lakekeeper.database.configEnv" .root | fromYaml) -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "authzClient") -}}
{{- /* Every ready authz pod through the headless Service's DNS name, on the pods' own gRPC port; re-resolved every 30 s. */ -}}
{{- $authz := dict "root" .root "component" "authz" -}}
{{- $_ := set $env "LAKEKEEPER__AUTHZ__ENDPOINT" (printf "dns:///%s:%d" (include "lakekeeper.headlessServiceName" $authz) (int64 $v.containerPorts.grpc)) -}}
{{- $_ := set $env "LAKEKEEPER__AUTHZ__TIMEOUTMS" (include "lakekeeper.int" $v.authz.timeoutMs) -}}
{{- $_ := set $env "LAKEKEEPER__AUTHZ__CHECKCACHEMS" (include "lakekeeper.int" $v.authz.checkCacheMs) -}}
{{- end -}}
{{- if and $v.authz.backend (or (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "authzClient")) (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "authzEngine"))) -}}
{{- $_ := set $env "LAKEKEEPER__AUTHZ__BACKEND" (toString $v.authz.backend) -}}
{{- end -}}
{{- if and (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "authzEngine")) (eq $v.authz.backend "openfga") -}}
{{- with $v.authz.openfga -}}
{{- $_ := set $env "LAKEKEEPER__OPENFGA__ENDPOINT" (toString .endpoint) -}}
{{- if .storeName }}{{ $_ := set $env "LAKEKEEPER__OPENFGA__STORE_NAME" (toString .storeName) }}{{ end -}}
{{- if .tokenEndpoint }}{{ $_ := set $env "LAKEKEEPER__OPENFGA__TOKEN_ENDPOINT" (toString .tokenEndpoint) }}{{ end -}}
{{- if .scope }}{{ $_ := set $env "LAKEKEEPER__OPENFGA__SCOPE" (toString .scope) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "auth") -}}
{{- with $v.auth.oauth2 -}}
{{- if .providerUri -}}
{{- $_ := set $env "LAKEKEEPER__OPENID_PROVIDER_URI" (toString .providerUri) -}}
{{- if .audience }}{{ $_ := set $env "LAKEKEEPER__OPENID_AUDIENCE" (join "," .audience) }}{{ end -}}
{{- if .additionalIssuers }}{{ $_ := set $env "LAKEKEEPER__OPENID_ADDITIONAL_ISSUERS" (join "," .additionalIssuers) }}{{ end -}}
{{- if .subjectClaim }}{{ $_ := set $env "LAKEKEEPER__OPENID_SUBJECT_CLAIM" (toString .subjectClaim) }}{{ end -}}
{{- if .rolesClaim }}{{ $_ := set $env "LAKEKEEPER__OPENID_ROLES_CLAIM" (toString .rolesClaim) }}{{ end -}}
{{- if .scope }}{{ $_ := set $env "LAKEKEEPER__OPENID_SCOPE" (toString .scope) }}{{ end -}}
{{- end -}}
{{- range $id, $p := .providers -}}
{{- $prefix := printf "LAKEKEEPER__OPENID_PROVIDERS__%s__" (upper $id) -}}
{{- $_ := set $env (print $prefix "URI") (required (printf "auth.oauth2.providers.%s.uri is required" $id) (get $p "uri") | toString) -}}
{{- if (get $p "audience") }}{{ $_ := set $env (print $prefix "AUDIENCE") (join "," (get $p "audience")) }}{{ end -}}
{{- if (get $p "additionalIssuers") }}{{ $_ := set $env (print $prefix "ADDITIONAL_ISSUERS") (join "," (get $p "additionalIssuers")) }}{{ end -}}
{{- if (get $p "subjectClaim") }}{{ $_ := set $env (print $prefix "SUBJECT_CLAIM") (toString (get $p "subjectClaim")) }}{{ end -}}
{{- if (get $p "rolesClaim") }}{{ $_ := set $env (print $prefix "ROLES_CLAIM") (toString (get $p "rolesClaim")) }}{{ end -}}
{{- if (get $p "scope") }}{{ $_ := set $env (print $prefix "SCOPE") (toString (get $p "scope")) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if $v.auth.k8s.enabled -}}
{{- $_ := set $env "LAKEKEEPER__ENABLE_KUBERNETES_AUTHENTICATION" "true" -}}
{{- if $v.auth.k8s.audience }}{{ $_ := set $env "LAKEKEEPER__KUBERNETES_AUTHENTICATION_AUDIENCE" (toString $v.auth.k8s.audience) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "events") -}}
{{- with $v.events.nats -}}
{{- if .address -}}
{{- $_ := set $env "LAKEKEEPER__NATS_ADDRESS" (toString .address) -}}
{{- if .topic }}{{ $_ := set $env "LAKEKEEPER__NATS_TOPIC" (toString .topic) }}{{ end -}}
{{- if .user }}{{ $_ := set $env "LAKEKEEPER__NATS_USER" (toString .user) }}{{ end -}}
{{- if .credsFileKey }}{{ $_ := set $env "LAKEKEEPER__NATS_CREDS_FILE" (printf "%s/nats.creds" (include "lakekeeper.natsCredsDir" $)) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- with $v.events.kafka -}}
{{- if .topic -}}
{{- $_ := set $env "LAKEKEEPER__KAFKA_TOPIC" (toString .topic) -}}
{{- range $property, $value := .config -}}
{{- $_ := set $env (printf "LAKEKEEPER__KAFKA_CONFIG__%s" $property) (toString $value) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $v.events.logCloudEvents -}}
{{- $_ := set $env "LAKEKEEPER__LOG_CLOUDEVENTS" "true" -}}
{{- end -}}
{{- end -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "gateway") -}}
{{- range $cluster := list "catalog" "signer" "management" -}}
{{- $target := dict "root" $ctx.root "component" $cluster "port" (index $v $cluster).service.port -}}
{{- $_ := set $env (printf "LAKEKEEPER__GATEWAY__CLUSTERS__%s__DESTINATIONS__D1__ADDRESS" (upper $cluster)) (include "lakekeeper.serviceUrl" $target) -}}
{{- end -}}
{{- end -}}
{{- range $name, $value := $v.config.env -}}
{{- $_ := set $env $name (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{- define "lakekeeper.secretRef" -}}
valueFrom:
  secretKeyRef:
    name: {{ .name | quote }}
    key: {{ .key | quote }}
{{- end -}}

{{/* Secret settings of a service: env entries that only ever reference Secrets. */}}
{{- define "lakekeeper.secretEnv" -}}
{{- $ctx := . -}}
{{- $root := .root -}}
{{- $v := .root.Values -}}
{{- $own := include "lakekeeper.secretName" $root -}}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "db") }}
{{- include "lakekeeper.database.secretEnv" (dict "root" $root "passwordSecret" $own) }}
{{- end }}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "secrets") }}
{{- $key := $v.secrets.encryptionKey }}
- name: LAKEKEEPER__SECRETS__ENCRYPTIONKEY
  {{- include "lakekeeper.secretRef" (dict "name" (default $own $key.existingSecret) "key" (ternary $key.existingSecretKey "encryption-key" (ne $key.existingSecret ""))) | nindent 2 }}
{{- range $i, $previous := $v.secrets.previousKeys }}
- name: {{ printf "LAKEKEEPER__SECRETS__PREVIOUSKEYS__%d" $i }}
  {{- include "lakekeeper.secretRef" (dict "name" (required "secrets.previousKeys[].existingSecret is required" (get $previous "existingSecret")) "key" (get $previous "existingSecretKey" | default "encryption-key")) | nindent 2 }}
{{- end }}
{{- end }}
{{- if and (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "internal")) (eq $v.topology "microservices") }}
- name: {{ include "lakekeeper.env.serviceToken" $root }}
  {{- include "lakekeeper.secretRef" (dict "name" (default $own $v.serviceToken.existingSecret) "key" (ternary $v.serviceToken.existingSecretKey "service-token" (ne $v.serviceToken.existingSecret ""))) | nindent 2 }}
{{- end }}
{{- if and (include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "authzEngine")) (eq $v.authz.backend "openfga") }}
{{- with $v.authz.openfga }}
{{- if .apiKeyKey }}
- name: LAKEKEEPER__OPENFGA__API_KEY
  {{- include "lakekeeper.secretRef" (dict "name" .existingSecret "key" .apiKeyKey) | nindent 2 }}
{{- end }}
{{- if .clientIdKey }}
- name: LAKEKEEPER__OPENFGA__CLIENT_ID
  {{- include "lakekeeper.secretRef" (dict "name" .existingSecret "key" .clientIdKey) | nindent 2 }}
{{- end }}
{{- if .clientSecretKey }}
- name: LAKEKEEPER__OPENFGA__CLIENT_SECRET
  {{- include "lakekeeper.secretRef" (dict "name" .existingSecret "key" .clientSecretKey) | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
{{- if include "lakekeeper.hasRole" (dict "ctx" $ctx "role" "events") }}
{{- with $v.events.nats }}
{{- if and .address .passwordKey }}
- name: LAKEKEEPER__NATS_PASSWORD
  {{- include "lakekeeper.secretRef" (dict "name" .existingSecret "key" .passwordKey) | nindent 2 }}
{{- end }}
{{- if and .address .tokenKey }}
- name: LAKEKEEPER__NATS_TOKEN
  {{- include "lakekeeper.secretRef" (dict "name" .existingSecret "key" .tokenKey) | nindent 2 }}
{{- end }}
{{- end }}
{{- if $v.events.kafka.topic }}
{{- range $property, $ref := $v.events.kafka.secretConfig }}
- name: {{ printf "LAKEKEEPER__KAFKA_CONFIG__%s" $property }}
  {{- include "lakekeeper.secretRef" (dict "name" $ref.name "key" $ref.key) | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Whether a service mounts the NATS credentials file. */}}
{{- define "lakekeeper.mountsNatsCreds" -}}
{{- $nats := .root.Values.events.nats -}}
{{- if and (include "lakekeeper.hasRole" (dict "ctx" . "role" "events")) $nats.address $nats.credsFileKey }}true{{ end -}}
{{- end -}}
