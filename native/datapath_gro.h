// Inbound TCP coalescing for the TUN (what the kernel's GRO does for a NIC): consecutive in-order segments of one
// TCP flow, decrypted from one receive batch, are joined into one super-packet and written to the TUN once with a
// virtio_net_hdr (GSO TCPv4/v6 + partial checksum), so the stack sees ~40 times fewer packets. Plain C++.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "datapath_packet.h"

class DpTcpCoalescer {
 public:
  // `write` sends one packet (with its virtio header) to the TUN.
  explicit DpTcpCoalescer(std::function<void(const DpVnetHdr&, const uint8_t*, size_t)> write);
  // Takes one inner packet: joined to the pending super-packet, or the pending one is flushed first. Packets that
  // cannot be coalesced (not TCP, flags other than ACK/PSH, options changing) are written as they are.
  void Add(const uint8_t* packet, size_t length);
  // Writes the pending super-packet (end of a batch).
  void Flush();

 private:
  bool Eligible(const uint8_t* p, size_t length, size_t* ipHeader, size_t* tcpHeader) const;
  bool Joins(const uint8_t* p, size_t length, size_t ipHeader, size_t tcpHeader) const;
  void WritePlain(const uint8_t* p, size_t length);

  std::function<void(const DpVnetHdr&, const uint8_t*, size_t)> write_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t length_ = 0;     // octets pending in buf_ (0 = nothing pending)
  size_t ipHeader_ = 0, tcpHeader_ = 0;
  size_t mss_ = 0;        // payload of the first segment
  size_t segments_ = 0;
  uint32_t nextSeq_ = 0;
  bool v6_ = false;
  bool closed_ = false;   // a shorter (or PSH) segment ended the run
};
