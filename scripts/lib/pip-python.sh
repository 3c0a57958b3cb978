# Sourced by the fetch scripts: sets $py to a python3 that has pip (installs Debian's python3-pip when missing)
# and $cache to the Flint cache ($FLINT_CACHE, default ~/.cache/flint). $1 names the caller in messages.
cache=${FLINT_CACHE:-$HOME/.cache/flint}
py=$(command -v python3 || true)
if [ -z "$py" ] || ! "$py" -m pip --version >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "$1: installing python3-pip (needed for pip download)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip
  py=$(command -v python3)
fi
