# floatip: build and install for any distribution.
#
#   make                       build the release binary
#   make install DESTDIR=...   install under DESTDIR (packagers)
#   make uninstall
#   make deb                   build a Debian package (packaging/build-deb)
#
# Layout: the binary is /usr/sbin/floatip; the OCF agent is a link to it,
# /usr/lib/ocf/resource.d/floatip/IPaddr2, so Pacemaker knows it as
# ocf:floatip:IPaddr2 and it logs as IPaddr2, like the stock agent.

PREFIX  ?= /usr
SBINDIR ?= $(PREFIX)/sbin
OCFDIR  ?= $(PREFIX)/lib/ocf/resource.d/floatip
DATADIR ?= $(PREFIX)/share/floatip
MANDIR  ?= $(PREFIX)/share/man/man8
DOCDIR  ?= $(PREFIX)/share/doc/floatip
CARGO   ?= cargo

BINARY  = target/release/floatip
MANPAGE = target/floatip.8

.PHONY: all install uninstall deb clean

all: $(BINARY) $(MANPAGE)

$(BINARY):
	$(CARGO) build --release --locked

$(MANPAGE): $(BINARY)
	$(CARGO) run --quiet --release --locked --example man > $(MANPAGE)

install: all
	install -D -m 0755 $(BINARY) $(DESTDIR)$(SBINDIR)/floatip
	install -d $(DESTDIR)$(OCFDIR)
	ln -sf $(SBINDIR)/floatip $(DESTDIR)$(OCFDIR)/IPaddr2
	install -D -m 0644 ocf-metadata/IPaddr2.xml $(DESTDIR)$(DATADIR)/IPaddr2.xml
	install -D -m 0644 $(MANPAGE) $(DESTDIR)$(MANDIR)/floatip.8
	gzip -9nf $(DESTDIR)$(MANDIR)/floatip.8
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	install -D -m 0755 packaging/replace-stock-ipaddr2 $(DESTDIR)$(DATADIR)/replace-stock-ipaddr2

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/floatip $(DESTDIR)$(OCFDIR)/IPaddr2 \
	      $(DESTDIR)$(MANDIR)/floatip.8.gz
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(OCFDIR)

deb: all
	packaging/build-deb

clean:
	$(CARGO) clean
