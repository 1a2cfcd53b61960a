# Versions of the test bed components. Sourced by the other test bed scripts.
# Changing a version changes the cache folder, so old builds are never reused.
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
PROMETHEUS_DEB_VERSION=2.42

MAYDAY_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mayday"
TESTBED_CACHE="$MAYDAY_CACHE/testbed/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
TESTBED_BIN="$TESTBED_CACHE/bin"
TESTBED_STAGES="$TESTBED_CACHE/stages"
PROMETHEUS_HOME="$MAYDAY_CACHE/testbed/prometheus"
