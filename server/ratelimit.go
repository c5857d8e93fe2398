package server

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Client addresses (issue 26.4). The address that the limiters key on
// and that evidence events record is the TCP peer's, unless the peer is a
// configured trusted proxy: then it is the rightmost X-Forwarded-For
// address that is not a trusted proxy (each proxy appends the address it
// received the request from, so everything left of the first untrusted
// hop was written by the client and proves nothing). Fiber's own
// ProxyHeader is not used: it takes the leftmost address.

// localForwarded is the request-scoped value clientAddress sets for
// forwardedOf.
const localForwarded = "relais.forwarded"

// maxForwardedHops bounds the X-Forwarded-For entries looked at.
const maxForwardedHops = 32

// ParseTrustedProxies reads a list of IP addresses and CIDR ranges
// ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32"); an empty list trusts no
// proxy.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is not an address or a CIDR range (e.g. 10.0.0.0/8)", v)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or a CIDR range (e.g. 10.0.0.0/8)", v)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// TrustProxies replaces the trusted proxies (Config.TrustedProxies); call
// it before serving.
func (s *Server) TrustProxies(list []string) error {
	p, err := ParseTrustedProxies(list)
	if err != nil {
		return err
	}
	s.trusted.Store(&p)
	return nil
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	p := s.trusted.Load()
	if p == nil {
		return false
	}
	for _, r := range *p {
		if r.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddress runs before every handler: it decides the client address
// and makes it the request's remote address, so that c.IP() is the client
// everywhere (limiters, actors, console sessions). When a trusted proxy
// forwarded the request, the peer and the X-Forwarded-For chain are kept
// for the actor's Forwarded field.
func (s *Server) clientAddress(c *fiber.Ctx) error {
	fctx := c.Context()
	var addr net.Addr
	if conn := fctx.Conn(); conn != nil {
		addr = conn.RemoteAddr() // the connection's, not a value set for an earlier request on it
	} else {
		addr = fctx.RemoteAddr()
	}
	peer := addrOf(addr)
	client, chain := peer, ""
	if peer.IsValid() && s.trustedProxy(peer) {
		if hops := forwardedHops(fctx.Request.Header.PeekAll(fiber.HeaderXForwardedFor)); len(hops) > 0 {
			client = s.rightmostUntrusted(peer, hops)
			chain = strings.ToValidUTF8(truncate("peer "+peer.String()+"; X-Forwarded-For: "+strings.Join(hops, ", "), 500), "\uFFFD")
		}
	} else if (peer.IsPrivate() || peer.IsLoopback()) && len(fctx.Request.Header.Peek(fiber.HeaderXForwardedFor)) > 0 {
		// Most likely a proxy of the operator's that is not configured:
		// every client behind it would share its address and its limits.
		s.untrustedProxyOnce.Do(func() {
			s.log.Warn("X-Forwarded-For ignored: the peer is not a trusted proxy; if it is your load balancer, list it in --trusted-proxies",
				"peer", peer.String())
		})
	}
	if client != peer {
		fctx.SetRemoteAddr(&net.TCPAddr{IP: client.AsSlice()})
	} else {
		fctx.SetRemoteAddr(nil)
	}
	c.Locals(localForwarded, chain)
	return c.Next()
}

// forwardedOf is what an actor's Forwarded field records for the request:
// "" unless a trusted proxy forwarded it.
func forwardedOf(c *fiber.Ctx) string {
	return stringLocal(c, localForwarded)
}

// addrOf is the IP of a connection's remote address (IPv4 unmapped).
func addrOf(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(t.IP); ok {
			return ip.Unmap()
		}
	}
	if a == nil {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// forwardedHops splits X-Forwarded-For headers (several are one list, in
// order) into their entries, the last maxForwardedHops of them.
func forwardedHops(headers [][]byte) []string {
	var hops []string
	for _, h := range headers {
		for _, v := range strings.Split(string(h), ",") {
			if v = strings.TrimSpace(v); v != "" {
				hops = append(hops, v)
			}
		}
	}
	if len(hops) > maxForwardedHops {
		hops = hops[len(hops)-maxForwardedHops:]
	}
	return hops
}

// rightmostUntrusted walks the hops from the right, past trusted proxies,
// to the first address that is not one. An entry that is not an address
// ends the walk: what is left of it cannot be told apart from a forgery,
// so the client is the last trusted hop that was an address (or the peer).
// When every hop is a trusted proxy the client is the leftmost.
func (s *Server) rightmostUntrusted(peer netip.Addr, hops []string) netip.Addr {
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !s.trustedProxy(a) {
			break
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, or an address and
// port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(v string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}
