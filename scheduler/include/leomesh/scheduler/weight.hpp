// Termination weight: an exact dyadic fraction of the constellation's one unit of "work may
// still exist" (Mattern's credit recovery, Huang's weight throwing).
//
// The root hands out pieces of one unit with the work; every active satellite and every loot
// message in flight holds a piece; a satellite that runs dry returns what it holds toward the
// root. Once the root holds the whole unit again and is idle itself, no satellite is active
// and no loot is in flight: the computation is over. The root learns it one return trip after
// the last satellite went idle, with no probing wave.
//
// Pieces are powers of two, 2^-e, kept exactly: a Weight is a sum of distinct such pieces
// (its binary expansion), so splitting and merging never round and the root's test for the
// whole unit is exact.
//
//   Weight w = Weight::one();        // the root, at the start
//   Weight piece = w.split();        // given away with loot; w + piece == one
//   w.merge(piece);                  // returned: w.is_one() again
#pragma once

#include <cstdint>
#include <vector>

namespace leomesh::scheduler {

/// A sum of distinct powers of two 2^-e, 0 <= e <= kMaxExponent, at most 1 in total.
class Weight {
 public:
  /// Pieces finer than this are never made: a satellite that would have to split a piece of
  /// 2^-kMaxExponent gives no loot instead (which delays nothing: it keeps the work). 2^16
  /// halvings in a row take longer than any run; the bound caps a weight at 8 KiB.
  static constexpr std::uint32_t kMaxExponent = 1u << 16;

  Weight() = default;
  /// The whole unit (2^0).
  static Weight one();
  /// The single piece 2^-e; e must be at most kMaxExponent.
  static Weight piece(std::uint32_t e);
  /// The share a satellite holds at the start of a run in which `holders` satellites, the
  /// root among them, hold one: 2^-m each with 2^m >= 2 * holders, and the root the rest.
  /// The shares add up to one exactly.
  static Weight initial_share(bool is_root, int holders);

  bool empty() const { return words_.empty(); }
  bool is_one() const;
  /// Adds `other`; the sum must stay at most one (it does whenever weight is conserved).
  void merge(const Weight& other);
  /// Takes a piece away and returns it: the smallest piece held if there are several (the big
  /// ones stay, so repeated gives do not thin the weight), else half of the only one. Returns
  /// an empty weight when this one is empty or its only piece is 2^-kMaxExponent.
  Weight split();
  /// Moves everything out, leaving this weight empty.
  Weight take();

  /// The exponents of the pieces, ascending (what goes on the wire).
  std::vector<std::uint32_t> exponents() const;
  /// Builds a weight from exponents in any order; repeated exponents add up (two 2^-e make
  /// 2^-(e-1)). False when an exponent exceeds kMaxExponent or the sum would exceed one.
  static bool from_exponents(const std::vector<std::uint32_t>& exponents, Weight& out);

  friend bool operator==(const Weight& a, const Weight& b) { return a.words_ == b.words_; }
  friend bool operator!=(const Weight& a, const Weight& b) { return !(a == b); }

 private:
  // Bit e of the expansion is bit (63 - e % 64) of words_[e / 64]: each word reads as a
  // binary number, so adding two weights is word-wise addition with carries toward word 0.
  // No trailing zero words are kept, so equal weights have equal representations.
  bool add_piece(std::uint32_t e);  // false on overflow past one
  void trim();
  std::vector<std::uint64_t> words_;
};

}  // namespace leomesh::scheduler
