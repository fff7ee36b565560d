// The CLI's help text: commands, their options, the environment and the exit codes.
export const HELP = `podfn: manage and call functions on a podfn gateway

usage: podfn <command> [options]            (--json on any command prints JSON for scripts)

  apps list | create <name> [-c K=V...] [--host H...] | inspect <name> | update <name> [-c K=V...] [--host H... | --no-hosts]
       | delete <name>          (app --host: a name or *.suffix wildcard; the request path selects the route)
  routes list <app>
  routes create <app> <path> --image <image> [--memory MiB] [--type sync|async] [--format default|http|json]
                [--timeout s] [--idle-timeout s] [--max-concurrency n] [-c K=V...] [-H Name=value...] [--host H...]
                [--schedule 'cron (UTC)']   an async call at each tick, e.g. '*/5 * * * *'; --schedule '' removes it
  routes inspect|delete <app> <path>     routes update <app> <path> [same field options] [--no-hosts]
  (--host: a Function URL, a host name served as this function without /r/{app}; an update's --host
   replaces the names, --no-hosts releases them; a name claimed elsewhere is refused naming its owner)
  routes history <app> <path>            the last 10 definitions, newest first (back 1 = the previous)
  rollback <app> <path> [N]              restore the definition N versions back (default 1); rolls out like an update
  config set <app> [<route>] <KEY> <VALUE>     config unset <app> [<route>] <KEY>
  secrets set <app> <name> [--file f]   the value from stdin or --file (never an argument); creates or replaces
  secrets ls <app> | rm <app> <name>    names, times and the routes using each (values are never shown)
  (routes create/update --secret NAME...: files /run/secrets/NAME in the function; --no-secrets removes them)
  call <app> <route> [--async] [-X METHOD] [-H Name=value...] [--content-type t] [-d body]  (default body: stdin)
  calls list <app> [--route /p] [--status s] [-n per_page] [--cursor c]
  calls inspect|logs <app> <call-id>
  init --runtime node|python|sh [--format default|http|json] [--type sync|async] [--path /p] [--dir d] [--force] <name>
  build [--dir d] [--image ref] [--build-arg K=V...] [--no-cache] [-q]
  deploy --app <app> [build options] [--skip-build]
  base ls          the base images functions build FROM (localhost/podfn/node, python, busybox)
  base build [node|python|sh|all] [--source local|registry|auto] [-q]   (re)build them
  server start [--port n] [--host h] [--db url]
  version | help

func.yaml fields: name (image name), version (tag, default 0.0.1), runtime (node|python|sh), entrypoint, path
(default /<last part of name>), type (sync|async), format (default|http|json), memory, timeout,
idle_timeout, max_concurrency (integers), config and headers (maps: indented KEY: value lines).

environment: PODFN_API_URL (default http://127.0.0.1:8080), PODFN_ADMIN_TOKEN (sent as a Bearer token; the first of a comma list),
PODFN_CONTAINER_HOST (Podman API socket for build; default as the gateway's), PODFN_BASE_SOURCE (local|registry|auto:
where a missing base image comes from; auto, the default, uses the official images when registry-1.docker.io
answers within 2 s, else builds it from this host's node, python3 or busybox).

exit codes: 0 ok, 1 failed (e.g. a call answered an error status), 2 usage, 3 not found, 4 rejected
by the gateway (bad value, already exists), 5 gateway or Podman unreachable or 5xx, 6 bad or missing
func.yaml, 7 build failed, 8 the gateway wants an admin token (401/403).
`;
