#!/usr/bin/env bash
# Writes the runtime configuration of a deployed site (dist/config.json by
# default) from environment variables, at build time:
#   MOODCHAT_API_URL          https://abc.execute-api.eu-west-1.amazonaws.com   (required)
#   MOODCHAT_WS_URL           wss://xyz.execute-api.eu-west-1.amazonaws.com/prod (required)
#   MOODCHAT_COGNITO_REGION   eu-west-1                                          (required)
#   MOODCHAT_USER_POOL_ID     eu-west-1_AbCdEf123                                (required)
#   MOODCHAT_CLIENT_ID        the app client id (no secret)                      (required)
#   MOODCHAT_COGNITO_ENDPOINT only for a Cognito-compatible endpoint; absent for Amazon Cognito
#   MOODCHAT_TRANSPORT        websocket | polling | auto (default auto)
# When none of the required variables is set it writes nothing, so a
# config.json placed beside the site by hand is used instead.
set -euo pipefail
out="${1:-dist/config.json}"
required=(MOODCHAT_API_URL MOODCHAT_WS_URL MOODCHAT_COGNITO_REGION MOODCHAT_USER_POOL_ID MOODCHAT_CLIENT_ID)

set_count=0
for name in "${required[@]}"; do [[ -n "${!name:-}" ]] && set_count=$((set_count + 1)); done
if (( set_count == 0 )); then
  echo "write-config: no MOODCHAT_* variables set; not writing $out (place a config.json beside the site)" >&2
  exit 0
fi
for name in "${required[@]}"; do
  if [[ -z "${!name:-}" ]]; then
    echo "write-config: $name is required when any of ${required[*]} is set" >&2
    exit 1
  fi
done

transport="${MOODCHAT_TRANSPORT:-auto}"
case "$transport" in websocket|polling|auto) ;; *)
  echo "write-config: MOODCHAT_TRANSPORT must be websocket, polling or auto, not '$transport'" >&2; exit 1 ;;
esac

# Values are URLs and identifiers: refuse anything that would need JSON escaping.
for name in "${required[@]}" MOODCHAT_COGNITO_ENDPOINT; do
  value="${!name:-}"
  if [[ "$value" == *[\"\\[:cntrl:]]* ]]; then
    echo "write-config: $name contains a quote, backslash or control character" >&2
    exit 1
  fi
done

endpoint=""
[[ -n "${MOODCHAT_COGNITO_ENDPOINT:-}" ]] && endpoint=$(printf ', "endpoint": "%s"' "$MOODCHAT_COGNITO_ENDPOINT")
mkdir -p "$(dirname "$out")"
printf '{"api_url": "%s", "ws_url": "%s", "transport": "%s",\n "cognito": {"region": "%s", "user_pool_id": "%s", "client_id": "%s"%s}}\n' \
  "$MOODCHAT_API_URL" "$MOODCHAT_WS_URL" "$transport" \
  "$MOODCHAT_COGNITO_REGION" "$MOODCHAT_USER_POOL_ID" "$MOODCHAT_CLIENT_ID" "$endpoint" > "$out"
echo "write-config: wrote $out" >&2
