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

#include <cstddef>
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
  /// Pieces down to 2^-(64 * kInlineWords - 1) are held without allocating.
  static constexpr std::size_t kInlineWords = 4;

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
  /// The same into `out`, replacing its contents (no allocation once `out` has grown).
  void exponents(std::vector<std::uint32_t>& out) const;
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

  // The words, inline up to kInlineWords (pieces down to 2^-255, which is as fine as weights
  // get in practice) and on the heap beyond: weights are copied into every loot and return,
  // and an agent's steady state allocates nothing.
  class Words {
   public:
    Words() = default;
    Words(const Words& o) { *this = o; }
    Words& operator=(const Words& o);
    Words(Words&& o) noexcept { swap(o); }
    Words& operator=(Words&& o) noexcept {
      swap(o);
      return *this;
    }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::uint64_t* data() { return heap_.empty() ? inline_ : heap_.data(); }
    const std::uint64_t* data() const { return heap_.empty() ? inline_ : heap_.data(); }
    std::uint64_t& operator[](std::size_t i) { return data()[i]; }
    std::uint64_t operator[](std::size_t i) const { return data()[i]; }
    std::uint64_t& back() { return data()[size_ - 1]; }
    void resize(std::size_t n);  // new words are 0
    void pop_back() { --size_; }
    void clear() { size_ = 0; }
    void swap(Words& o) noexcept;
    friend bool operator==(const Words& a, const Words& b) {
      for (std::size_t i = 0; i < a.size_ && a.size_ == b.size_; ++i)
        if (a[i] != b[i]) return false;
      return a.size_ == b.size_;
    }

   private:
    std::uint64_t inline_[kInlineWords] = {};
    std::vector<std::uint64_t> heap_;  // empty, or holds the words (capacity >= size_)
    std::size_t size_ = 0;
  };
  Words words_;
};

}  // namespace leomesh::scheduler
