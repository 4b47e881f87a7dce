//go:build !linux

package softcard

import "net"

// quickAck: TCP_QUICKACK is Linux only (see quickack_linux.go).
func quickAck(net.Conn) {}
