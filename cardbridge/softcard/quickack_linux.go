package softcard

import (
	"net"
	"syscall"
)

// quickAck makes the kernel acknowledge what has arrived at once.
//
// vpcd (vsmartcard 3.3) sends a message's 2-byte length and its payload
// in two send() calls without TCP_NODELAY: Nagle holds the payload until
// the length is acknowledged, and Linux delays that ACK by ~40 ms, so every
// APDU would take ~44 ms. Setting TCP_QUICKACK after reading the length
// sends the pending ACK now (the flag does not stick, hence once per
// message).
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
