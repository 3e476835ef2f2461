# floatip: build and install for any distribution.
#
#   make                       build the release binary
#   make install DESTDIR=...   install under DESTDIR (packagers)
#   make uninstall
#   make deb                   build a Debian package (packaging/build-deb)
#   make rpm [RPMDIR=DIR]      both RPM sources (tree, vendored crates) and
#                              the source and binary RPMs, built offline
#                              (packaging/build-rpm; default target/rpm)
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
# bash-completion's directory for completions loaded on demand.
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
CARGO   ?= cargo
# The release binary is linked statically (static-pie): every action is a
# short process, and skipping the dynamic loader takes start-up from about
# 1.6x to 1.2x that of /bin/true. An explicit --target keeps the flag off
# the proc-macro crates, which are built for the host.
TARGET  ?= $(shell rustc -vV | sed -n 's/^host: //p')
STATIC  ?= -C target-feature=+crt-static

BINARY  = target/$(TARGET)/release/floatip
MANPAGE = target/floatip.8
COMPLETION = target/floatip.bash

RPMDIR  ?= target/rpm

.PHONY: all install uninstall deb rpm clean print-binary FORCE

all: $(BINARY) $(MANPAGE) $(COMPLETION)

# cargo decides what needs rebuilding: always ask it.
$(BINARY): FORCE
	RUSTFLAGS="$(STATIC)" $(CARGO) build --release --locked --target $(TARGET) --bin floatip

$(MANPAGE): FORCE
	@mkdir -p $(dir $(MANPAGE))
	$(CARGO) run --quiet --release --locked --example man > $(MANPAGE).tmp
	mv $(MANPAGE).tmp $(MANPAGE)

# Generated from the same CLI definition, by clap's own generator.
$(COMPLETION): FORCE
	@mkdir -p $(dir $(COMPLETION))
	$(CARGO) run --quiet --release --locked --example completion > $(COMPLETION).tmp
	mv $(COMPLETION).tmp $(COMPLETION)

install: all
	install -D -m 0755 $(BINARY) $(DESTDIR)$(SBINDIR)/floatip
	install -d $(DESTDIR)$(OCFDIR)
	# Relative, as Debian policy and rpmlint want: it resolves the same in
	# a chroot or a scratch root as on the host.
	ln -sfr $(DESTDIR)$(SBINDIR)/floatip $(DESTDIR)$(OCFDIR)/IPaddr2
	install -D -m 0644 ocf-metadata/IPaddr2.xml $(DESTDIR)$(DATADIR)/IPaddr2.xml
	install -D -m 0644 $(MANPAGE) $(DESTDIR)$(MANDIR)/floatip.8
	gzip -9nf $(DESTDIR)$(MANDIR)/floatip.8
	install -D -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/floatip
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE
	install -D -m 0755 packaging/replace-stock-ipaddr2 $(DESTDIR)$(DATADIR)/replace-stock-ipaddr2
	install -D -m 0755 packaging/before-removal $(DESTDIR)$(DATADIR)/before-removal

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/floatip $(DESTDIR)$(OCFDIR)/IPaddr2 \
	      $(DESTDIR)$(MANDIR)/floatip.8.gz $(DESTDIR)$(COMPLETIONDIR)/floatip
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(OCFDIR)

deb: all
	packaging/build-deb

rpm:
	packaging/build-rpm "$(RPMDIR)"

clean:
	$(CARGO) clean

print-binary:
	@echo $(BINARY)

FORCE:
