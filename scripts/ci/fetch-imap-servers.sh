#!/usr/bin/env bash
# Downloads the IMAP servers the test suite runs besides the installed Dovecot, and unpacks them
# without installing them (Debian's cyrus-imapd conflicts with dovecot-imapd as installed packages):
# `apt-get download` + `dpkg-deb -x` into a cache folder. The tests find them there
# (REZI_IMAP_SERVERS, default /var/tmp/rezi-imap-servers: a folder the servers’ unprivileged user can read) and start them on loopback high ports.
set -euo pipefail
cache="${REZI_IMAP_SERVERS:-/var/tmp/rezi-imap-servers}"
# Cyrus IMAP 3.6 and the libraries Debian's dovecot/chromium set-up does not already bring.
packages=(cyrus-common cyrus-imapd libical3 libpcre3 libxapian30)
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
