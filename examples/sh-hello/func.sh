#!/bin/sh
# Hello for the sh runtime (format default): stdin is the body, stdout the response, stderr the log.
body=$(cat)
echo "sh-hello called: $FN_CALL_ID ($FN_METHOD)" >&2
echo "${GREETING:-Hello} ${body:-world}"
