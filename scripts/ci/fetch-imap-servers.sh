#!/usr/bin/env bash
# Downloads the IMAP servers the test suite runs besides the installed Dovecot, and unpacks them
# without installing them (Debian's cyrus-imapd conflicts with dovecot-imapd as installed packages):
# `apt-get download` + `dpkg-deb -x` into a cache folder. The tests find them there
# (REZI_IMAP_SERVERS, default /var/tmp/rezi-imap-servers: a folder the servers’ unprivileged user can read) and start them on loopback high ports.
set -euo pipefail
cache="${REZI_IMAP_SERVERS:-/var/tmp/rezi-imap-servers}"
# Cyrus IMAP 3.6 and the libraries Debian's dovecot/chromium set-up does not already bring.
packages=(cyrus-common cyrus-imapd libical3 libpcre3 libxapian30)
# The shared libraries Cyrus's imapd, master and ctl_cyrusdb load from the system (plain libraries,
# no conflict with Dovecot); a fresh machine with only Dovecot and Chromium may lack some of them.
libraries=(libcom-err2 libicu72 libjansson4 libkrb5-3 libldap-2.5-0 libpq5 libsasl2-2 libsqlite3-0 libssl3 libstdc++6 libwrap0 libxml2)
missing=()
for lib in "${libraries[@]}"; do dpkg -s "$lib" >/dev/null 2>&1 || missing+=("$lib"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing libraries Cyrus needs: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  }
fi
if [ -x "$cache/root/usr/lib/cyrus/bin/master" ]; then
  echo "IMAP servers already unpacked in $cache"
  exit 0
fi
mkdir -p "$cache/debs"
chmod 777 "$cache/debs" # apt-get download runs its fetch as _apt
( cd "$cache/debs" && apt-get download -q "${packages[@]}" ) || {
  apt-get update -qq
  ( cd "$cache/debs" && apt-get download -q "${packages[@]}" )
}
rm -rf "$cache/root.new"
mkdir -p "$cache/root.new"
for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/root.new"; done
rm -rf "$cache/root"
mv "$cache/root.new" "$cache/root"
chmod 755 "$cache" "$cache/root"
echo "IMAP servers unpacked in $cache: $(ls "$cache/debs" | tr '\n' ' ')"
