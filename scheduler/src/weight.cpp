#include "leomesh/scheduler/weight.hpp"

#include <algorithm>

namespace leomesh::scheduler {
namespace {
constexpr std::uint64_t kTop = 1ULL << 63;  // 2^0 in word 0
}

Weight::Words& Weight::Words::operator=(const Words& o) {
  if (this == &o) return *this;
  resize(0);
  resize(o.size_);
  std::copy(o.data(), o.data() + o.size_, data());
  return *this;
}

void Weight::Words::resize(std::size_t n) {
  if (n > kInlineWords && heap_.empty()) {
    // Spill: from here on the words live on the heap.
    heap_.assign(inline_, inline_ + size_);
  }
  if (!heap_.empty() || n > kInlineWords) {
    if (heap_.size() < n) heap_.resize(n, 0);
    std::fill(heap_.begin() + static_cast<std::ptrdiff_t>(std::min(size_, n)), heap_.begin() + static_cast<std::ptrdiff_t>(n), 0);
  } else {
    std::fill(inline_ + std::min(size_, n), inline_ + n, 0);
  }
  size_ = n;
}

void Weight::Words::swap(Words& o) noexcept {
  std::swap(inline_, o.inline_);
  heap_.swap(o.heap_);
  std::swap(size_, o.size_);
}

Weight Weight::one() {
  Weight w;
  w.words_.resize(1);
  w.words_[0] = kTop;
  return w;
}

Weight Weight::piece(std::uint32_t e) {
  Weight w;
  w.add_piece(e);
  return w;
}

Weight Weight::initial_share(bool is_root, int holders) {
  std::uint32_t m = 0;
  while ((1ULL << m) < 2ULL * static_cast<std::uint64_t>(holders)) ++m;
  if (!is_root) return piece(m);
  // The root holds (2^m - (N - 1)) * 2^-m: the bits of that integer, placed at 2^-m upward.
  const std::uint64_t k = (1ULL << m) - static_cast<std::uint64_t>(holders) + 1;
  Weight w;
  for (std::uint32_t i = 0; i <= m; ++i)
    if (k >> i & 1) w.add_piece(m - i);
  return w;
}

bool Weight::is_one() const { return words_.size() == 1 && words_[0] == kTop; }

bool Weight::add_piece(std::uint32_t e) {
  const std::size_t word = e / 64;
  if (words_.size() <= word) words_.resize(word + 1);
  std::uint64_t add = 1ULL << (63 - e % 64);
  for (std::size_t j = word + 1; j-- > 0;) {
    const std::uint64_t before = words_[j];
    words_[j] += add;
    if (words_[j] >= before) return true;
    add = 1;  // carry into the next more significant word
  }
  return false;  // carried out of 2^0: the sum reached two
}

void Weight::trim() {
  while (!words_.empty() && words_.back() == 0) words_.pop_back();
}

void Weight::merge(const Weight& other) {
  if (words_.size() < other.words_.size()) words_.resize(other.words_.size());
  // Word-wise binary addition from the least significant word, carrying toward 2^0.
  std::uint64_t carry = 0;
  for (std::size_t j = words_.size(); j-- > 0;) {
    const std::uint64_t add = j < other.words_.size() ? other.words_[j] : 0;
    const std::uint64_t sum = words_[j] + add;
    const std::uint64_t out = sum + carry;
    carry = (sum < add || out < sum) ? 1 : 0;
    words_[j] = out;
  }
  trim();
}

Weight Weight::split() {
  trim();
  if (words_.empty()) return {};
  std::uint64_t& last = words_.back();
  const auto low_bit = static_cast<std::uint32_t>(__builtin_ctzll(last));
  const auto e = static_cast<std::uint32_t>((words_.size() - 1) * 64 + (63 - low_bit));
  bool single = __builtin_popcountll(last) == 1;
  for (std::size_t j = 0; single && j + 1 < words_.size(); ++j) single = words_[j] == 0;
  if (!single) {
    last &= last - 1;  // give the smallest piece away
    trim();
    return piece(e);
  }
  if (e >= kMaxExponent) return {};
  // Halve the only piece: 2^-e = 2^-(e+1) kept + 2^-(e+1) given.
  words_.clear();
  add_piece(e + 1);
  return piece(e + 1);
}

Weight Weight::take() {
  Weight w;
  w.words_.swap(words_);
  return w;
}

std::vector<std::uint32_t> Weight::exponents() const {
  std::vector<std::uint32_t> out;
  exponents(out);
  return out;
}

void Weight::exponents(std::vector<std::uint32_t>& out) const {
  out.clear();
  for (std::size_t j = 0; j < words_.size(); ++j)
    for (int b = 63; b >= 0; --b)
      if (words_[j] >> b & 1) out.push_back(static_cast<std::uint32_t>(j * 64 + static_cast<std::size_t>(63 - b)));
}

bool Weight::from_exponents(const std::vector<std::uint32_t>& exponents, Weight& out) {
  Weight w;
  for (std::uint32_t e : exponents) {
    if (e > kMaxExponent) return false;
    if (!w.add_piece(e)) return false;
  }
  w.trim();
  // At most one: 2^0 alone, or nothing at 2^0.
  if (!w.words_.empty() && w.words_[0] >= kTop && !w.is_one()) return false;
  out = std::move(w);
  return true;
}

}  // namespace leomesh::scheduler
