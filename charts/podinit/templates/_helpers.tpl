{{/* Names, labels and the values every template shares. */}}

{{- define "podinit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: also the Service's, so the certificate's DNS names follow it. */}}
{{- define "podinit.fullname" -}}
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

{{- define "podinit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podinit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{/* The node probes' pods: the webhook watches them by these labels (--node-probe-selector). */}}
{{- define "podinit.nodeProbeSelectorLabels" -}}
app.kubernetes.io/name: {{ include "podinit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: node-probe
{{- end }}

{{/* Whether the chart runs node probes: auto mode, on an API server that admits image volumes. */}}
{{- define "podinit.nodeProbes" -}}
{{- if and (eq .Values.injection.mode "auto") (semverCompare ">=1.35-0" .Capabilities.KubeVersion.Version) }}true{{ end }}
{{- end }}

{{- define "podinit.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "podinit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "podinit.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podinit.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest, or repository:tag with the tag defaulting to the appVersion. */}}
{{- define "podinit.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* The Service's DNS names: what the API server dials and the certificate must cover. */}}
{{- define "podinit.serviceDnsNames" -}}
{{- $svc := include "podinit.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson }}
{{- end }}

{{- define "podinit.tlsSecretName" -}}
{{- if eq .Values.tls.mode "secret" }}
{{- required "tls.secret.name is required when tls.mode is secret" .Values.tls.secret.name }}
{{- else }}
{{- printf "%s-tls" (include "podinit.fullname" .) }}
{{- end }}
{{- end }}

{{- define "podinit.servingCertificateName" -}}
{{- printf "%s-serving" (include "podinit.fullname" .) }}
{{- end }}

{{/*
Namespaces never injected: the three system namespaces, the release's own (its pods must start
even when no replica runs) and the user's. Used by the webhook configuration and the webhook.
*/}}
{{- define "podinit.excludedNamespaces" -}}
{{- concat (list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace) .Values.injection.excludeNamespaces | uniq | toJson }}
{{- end }}

{{/*
The generated CA and serving certificate, made once per render and shared by the Secret and the
webhook configuration (two calls to genCA would give two CAs). An existing Secret is reused, so
upgrades keep the certificate the running pods serve and the caBundle that trusts it.
*/}}
{{- define "podinit.generatedTls" -}}
{{- if not (hasKey .Values "__podinitGeneratedTls") }}
{{- $secretName := include "podinit.tlsSecretName" . }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $secretName }}
{{- $data := dict }}
{{- if and $existing $existing.data (not .Values.tls.generate.recreate) }}
{{- $data = $existing.data }}
{{- end }}
{{- if and (index $data "ca.crt") (index $data "tls.crt") (index $data "tls.key") }}
{{- $_ := set .Values "__podinitGeneratedTls" (dict "ca.crt" (index $data "ca.crt") "tls.crt" (index $data "tls.crt") "tls.key" (index $data "tls.key")) }}
{{- else }}
{{- $days := int .Values.tls.generate.validityDays }}
{{- $ca := genCA (printf "%s-ca" (include "podinit.fullname" .)) $days }}
{{- $dnsNames := include "podinit.serviceDnsNames" . | fromJsonArray }}
{{- $cert := genSignedCert (index $dnsNames 2) nil $dnsNames $days $ca }}
{{- $_ := set .Values "__podinitGeneratedTls" (dict "ca.crt" ($ca.Cert | b64enc) "tls.crt" ($cert.Cert | b64enc) "tls.key" ($cert.Key | b64enc)) }}
{{- end }}
{{- end }}
{{- index .Values "__podinitGeneratedTls" | toJson }}
{{- end }}

{{/* The base64 CA bundle for the webhook configuration, or nothing when cert-manager injects it. */}}
{{- define "podinit.caBundle" -}}
{{- if eq .Values.tls.mode "generate" }}
{{- index (include "podinit.generatedTls" . | fromJson) "ca.crt" }}
{{- else if eq .Values.tls.mode "secret" }}
{{- required "tls.secret.caBundle (the PEM CA certificate) is required when tls.mode is secret" .Values.tls.secret.caBundle | b64enc }}
{{- end }}
{{- end }}

{{- define "podinit.registryCaPath" -}}
/etc/podinit/registry-ca/{{ .Values.registry.caConfigMap.key }}
{{- end }}

{{/*
The webhook's settings by flag name (docs/webhook.md); the Deployment turns each into its
PODINIT_* variable. Lists left empty are not passed, so the webhook's built-in lists apply.
*/}}
{{- define "podinit.webhookSettings" -}}
{{- $v := .Values }}
{{- $probeSelector := list }}
{{- range $key, $value := include "podinit.nodeProbeSelectorLabels" . | fromYaml }}
{{- $probeSelector = append $probeSelector (printf "%s=%s" $key $value) }}
{{- end }}
{{- $s := dict
  "port" ($v.server.port | int64 | toString)
  "tls-cert" "/tls/tls.crt"
  "tls-key" "/tls/tls.key"
  "tls-reload-interval" $v.server.tlsReloadInterval
  "init-image" (include "podinit.imageRef" (dict "image" $v.initImage "appVersion" .Chart.AppVersion))
  "injection-mode" $v.injection.mode
  "node-probe-namespace" .Release.Namespace
  "node-probe-selector" (join "," $probeSelector)
  "binary-path" $v.injection.binaryPath
  "mount-path" $v.injection.mountPath
  "volume-size-limit" $v.injection.volumeSizeLimit
  "exclude-namespaces" (include "podinit.excludedNamespaces" . | fromJsonArray | join ",")
  "grace-margin" $v.injection.graceMargin
  "installer-user" ($v.installer.runAsUser | int64 | toString)
  "installer-requests" (printf "cpu=%v,memory=%v" $v.installer.resources.requests.cpu $v.installer.resources.requests.memory)
  "installer-limits" (printf "cpu=%v,memory=%v" $v.installer.resources.limits.cpu $v.installer.resources.limits.memory)
  "body-limit" $v.server.bodyLimit
  "body-budget" $v.server.bodyBudget
  "log-level" $v.server.logLevel
  "shutdown-delay" $v.server.shutdownDelay
  "drain-timeout" $v.server.drainTimeout
  "headers-timeout" $v.server.headersTimeout
  "request-timeout" $v.server.requestTimeout
  "keep-alive-timeout" $v.server.keepAliveTimeout
  "max-connections" ($v.server.maxConnections | int64 | toString)
  "pull-secrets" ($v.registry.pullSecrets | toString)
  "platform" $v.registry.platform
  "lookup-timeout" $v.registry.lookupTimeout
  "registry-tag-ttl" $v.registry.tagTtl
  "registry-cache-size" ($v.registry.cacheSize | int64 | toString)
  "registry-cache-bytes" $v.registry.cacheBytes
  "registry-body-budget" $v.registry.bodyBudget
}}
{{- with $v.initImage.pullPolicy }}{{ $_ := set $s "init-image-pull-policy" . }}{{ end }}
{{- with $v.injection.injectorContainers }}{{ $_ := set $s "injector-containers" (join "," .) }}{{ end }}
{{- with $v.injection.pid1Entrypoints }}{{ $_ := set $s "pid1-entrypoints" (join "," .) }}{{ end }}
{{- with $v.registry.insecure }}{{ $_ := set $s "registry-insecure" (join "," .) }}{{ end }}
{{- with $v.registry.mirrors }}
{{- $entries := list }}
{{- range $registry, $hosts := . }}{{ $entries = append $entries (printf "%s=%s" $registry (join ";" $hosts)) }}{{ end }}
{{- $_ := set $s "registry-mirror" (join "," $entries) }}
{{- end }}
{{- if $v.registry.caConfigMap.name }}{{ $_ := set $s "registry-ca" (include "podinit.registryCaPath" .) }}{{ end }}
{{- toJson $s }}
{{- end }}

{{/*
A duration as the webhook reads it (30s, 1500ms, 1m30s; a bare number is seconds), in whole
milliseconds; -1 for a fraction of one, which the webhook refuses (podinit.checkBounds says so).
Sprig's decimals are exact, as the webhook's reading is.
*/}}
{{- define "podinit.durationMs" -}}
{{- $text := toString . }}
{{- if regexMatch "^[0-9]+$" $text }}
{{- mul (atoi $text) 1000 }}
{{- else }}
{{- $unitMs := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 }}
{{- $ms := 0.0 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ms|h|m|s)" $text -1 }}
{{- $ms = addf $ms (mulf (regexFind "^[0-9.]+" . | float64) (get $unitMs (regexFind "(ms|h|m|s)$" .))) }}
{{- end }}
{{- if ne (floor $ms) $ms }}-1{{ else }}{{ $ms | int64 }}{{ end }}
{{- end }}
{{- end }}

{{/* A size as the webhook reads it (512, 64Ki, 3Mi; the schema admits no other form), in bytes. */}}
{{- define "podinit.bytes" -}}
{{- $text := toString . }}
{{- $n := regexFind "^[0-9]+" $text | atoi }}
{{- if hasSuffix "Mi" $text }}{{ mul $n 1048576 }}{{ else if hasSuffix "Ki" $text }}{{ mul $n 1024 }}{{ else }}{{ $n }}{{ end }}
{{- end }}

{{/*
A Kubernetes quantity (100m, 0.5, 32Mi, 1e3, the schema's grammar) as a number of its base unit,
for comparing two of them. Sprig's decimal arithmetic is exact, so 100m and 0.1 compare equal.
*/}}
{{- define "podinit.quantity" -}}
{{- $text := toString . }}
{{- $number := regexFind "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)" $text }}
{{- $suffix := trimPrefix $number $text }}
{{- $factors := dict "" 1.0 "n" 0.000000001 "u" 0.000001 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 }}
{{- $value := mulf ($number | float64) (get $factors $suffix | default 1.0) }}
{{- if regexMatch "^[eE]" $suffix }}
{{- $exponent := trimPrefix "+" (substr 1 -1 $suffix) | atoi }}
{{- /* Past 10^±40 every quantity compares alike, and the loop stays short. */}}
{{- range until (int (min 40 (max $exponent (sub 0 $exponent)))) }}
{{- $value = ternary (mulf $value 10) (divf $value 10) (gt $exponent 0) }}
{{- end }}
{{- end }}
{{- $value }}
{{- end }}

{{/*
Why a registry host[:port] the schema's pattern admits is one the webhook refuses, or nothing: the
port must be at most 65535, and a host whose last label is a number (or 0x…) is an IPv4 address,
which the webhook takes only as a URL writes it (four decimal labels from 0 to 255, no leading 0).
*/}}
{{- define "podinit.hostProblem" -}}
{{- $port := regexFind ":[0-9]+$" . | trimPrefix ":" }}
{{- $host := trimSuffix (printf ":%s" $port) . }}
{{- $octet := "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])" }}
{{- if and $port (gt (atoi $port) 65535) }}its port is above 65535
{{- else if and (regexMatch "(^|\\.)([0-9]+|0[xX][0-9a-zA-Z]*)$" $host) (not (regexMatch (printf "^(%s\\.){3}%s$" $octet $octet) $host)) }}it ends in a number, but is not an IPv4 address like 10.0.0.1
{{- end }}
{{- end }}

{{/*
A value past a bound of the webhook's would install, then leave the webhook refusing to start
(exit 2, CrashLoopBackOff): helm refuses it instead, naming the value and its bounds. The bounds
are the webhook's own (webhook/src/config-table.ts, webhook/src/registry/registry-settings.ts,
packages/options/src/duration.ts); test/chart/webhook-settings.test.ts renders each of these
settings at, inside and past them, and requires helm to render exactly what the webhook's loader
accepts. The schema checks forms (at most ten digits a number, so no product here overflows) and
whole numbers; durations, sizes, paths with "..", the installer's requests (above zero, within
their limits), registry hosts no URL can hold, and the two bounds one setting sets another are
checked here.
*/}}
{{- define "podinit.checkBounds" -}}
{{- $v := .Values }}
{{- $day := 86400000 }}
{{- range list
  (list "server.tlsReloadInterval" $v.server.tlsReloadInterval 0 $day "0s" "24h")
  (list "server.shutdownDelay" $v.server.shutdownDelay 0 $day "0s" "24h")
  (list "server.drainTimeout" $v.server.drainTimeout 1 600000 "1ms" "10m")
  (list "server.headersTimeout" $v.server.headersTimeout 1 600000 "1ms" "10m")
  (list "server.requestTimeout" $v.server.requestTimeout 1 600000 "1ms" "10m")
  (list "server.keepAliveTimeout" $v.server.keepAliveTimeout 1 600000 "1ms" "10m")
  (list "injection.graceMargin" $v.injection.graceMargin 0 $day "0s" "24h")
  (list "registry.lookupTimeout" $v.registry.lookupTimeout 1 30000 "1ms" "30s")
  (list "registry.tagTtl" $v.registry.tagTtl 0 $day "0s" "24h") }}
{{- $ms := include "podinit.durationMs" (index . 1) | atoi }}
{{- if or (lt $ms (index . 2)) (gt $ms (index . 3)) }}
{{- fail (printf "%s (%v) must be a duration from %s to %s in whole milliseconds: the webhook refuses to start with it" (index . 0) (index . 1) (index . 4) (index . 5)) }}
{{- end }}
{{- end }}
{{- range list
  (list "server.bodyLimit" $v.server.bodyLimit 1024 67108864 "1Ki" "64Mi")
  (list "server.bodyBudget" $v.server.bodyBudget 1024 1073741824 "1Ki" "1024Mi")
  (list "registry.cacheBytes" $v.registry.cacheBytes 65536 1073741824 "64Ki" "1024Mi")
  (list "registry.bodyBudget" $v.registry.bodyBudget 8388608 1073741824 "8Mi" "1024Mi") }}
{{- $bytes := include "podinit.bytes" (index . 1) | atoi }}
{{- if or (lt $bytes (index . 2)) (gt $bytes (index . 3)) }}
{{- fail (printf "%s (%v) must be a size from %s to %s: the webhook refuses to start with it" (index . 0) (index . 1) (index . 4) (index . 5)) }}
{{- end }}
{{- end }}
{{- if gt (include "podinit.bytes" $v.server.bodyLimit | atoi) (include "podinit.bytes" $v.server.bodyBudget | atoi) }}
{{- fail (printf "server.bodyLimit (%v) must not be above server.bodyBudget (%v): a review as large as the limit could never be received" $v.server.bodyLimit $v.server.bodyBudget) }}
{{- end }}
{{- $hosts := concat ($v.registry.insecure | default list) (keys ($v.registry.mirrors | default dict)) }}
{{- range $registry, $mirrors := $v.registry.mirrors | default dict }}{{ $hosts = concat $hosts $mirrors }}{{ end }}
{{- range $host := $hosts }}
{{- with include "podinit.hostProblem" $host }}
{{- fail (printf "registry host %s (registry.insecure or registry.mirrors): %s; the webhook refuses to start with it" $host .) }}
{{- end }}
{{- end }}
{{- range list (list "injection.binaryPath" $v.injection.binaryPath) (list "injection.mountPath" $v.injection.mountPath) }}
{{- if contains ".." (index . 1) }}
{{- fail (printf "%s (%s) must not contain \"..\": the webhook refuses to start with it" (index . 0) (index . 1)) }}
{{- end }}
{{- end }}
{{- range list "cpu" "memory" }}
{{- $request := get $v.installer.resources.requests . }}
{{- $limit := get $v.installer.resources.limits . }}
{{- if le (include "podinit.quantity" $request | float64) 0.0 }}
{{- fail (printf "installer.resources.requests.%s (%v) must be above zero: the webhook refuses to start with it" . $request) }}
{{- end }}
{{- if gt (include "podinit.quantity" $request | float64) (include "podinit.quantity" $limit | float64) }}
{{- fail (printf "installer.resources.requests.%s (%v) must not be above installer.resources.limits.%s (%v): the webhook refuses to start with it" . $request . $limit) }}
{{- end }}
{{- end }}
{{- if gt (include "podinit.durationMs" $v.server.headersTimeout | atoi) (include "podinit.durationMs" $v.server.requestTimeout | atoi) }}
{{- fail (printf "server.headersTimeout (%v) must not be above server.requestTimeout (%v): the headers are part of the request" $v.server.headersTimeout $v.server.requestTimeout) }}
{{- end }}
{{- end }}

{{/*
The kubelet kills the webhook terminationGracePeriodSeconds after SIGTERM: it must have waited
out the shutdown delay and drained by then, with a second to spare for the last log lines.
*/}}
{{- define "podinit.checkGracePeriod" -}}
{{- $server := .Values.server }}
{{- $drainMs := add (include "podinit.durationMs" $server.shutdownDelay) (include "podinit.durationMs" $server.drainTimeout) }}
{{- if gt (add $drainMs 1000) (mul .Values.terminationGracePeriodSeconds 1000) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be at least 1s longer than server.shutdownDelay (%s) + server.drainTimeout (%s), or the kubelet kills the webhook before it has drained" .Values.terminationGracePeriodSeconds $server.shutdownDelay $server.drainTimeout) }}
{{- end }}
{{- end }}
