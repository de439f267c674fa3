// `weft::seam::thread_body`: what a thread started through the seam runs. A
// move-only `void()` callable, like C++23's std::move_only_function, with
// room inside for a typical thread body.
//
// Why not std::function: a thread body is run once and never copied, and a
// model checker starts threads millions of times. std::function keeps only
// 16 bytes inline, so a lambda capturing three references (the common
// shape: a mutex, a counter, a count) costs an allocation and a free per
// thread per execution; and it must be copyable, which forced
// weft::thread's arguments into a shared_ptr. thread_body keeps up to
// `inline_size` bytes of a nothrow-movable callable inline, and puts
// anything else on the heap.
//
// Contract:
//   * Constructed from any callable `f` such that `std::invoke(f)` is valid
//     on an lvalue of its decayed type; the callable is moved or copied in.
//   * Calling an empty thread_body is undefined (asserted in debug builds).
//   * A moved-from thread_body is empty.
//
// Example:
//   seam::thread_body body = [&m, &count] { const std::lock_guard g(m); ++count; };
//   body();  // runs it
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace weft::seam {

namespace internal {
// A callable a `Body` can hold, other than a `Body` itself.
template <typename F, typename Body>
concept thread_body_callable =
    !std::is_same_v<std::remove_cvref_t<F>, Body> && std::is_invocable_v<std::decay_t<F>&>;
}  // namespace internal

class thread_body {
 public:
  static constexpr std::size_t inline_size = 48;

  thread_body() noexcept = default;
  // The constraint keeps this from hiding the move constructor; clang-tidy
  // 14 does not read constraints, hence the NOLINT.
  template <internal::thread_body_callable<thread_body> F>
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload,google-explicit-constructor,hicpp-explicit-conversions)
  thread_body(F&& f) {
    using D = std::decay_t<F>;
    if constexpr (stored_inline<D>) {
      ::new (static_cast<void*>(storage_.data())) D(std::forward<F>(f));
    } else {
      ::new (static_cast<void*>(storage_.data())) void*(new D(std::forward<F>(f)));
    }
    ops_ = &ops_for<D>;
  }
  thread_body(const thread_body&) = delete;
  thread_body& operator=(const thread_body&) = delete;
  thread_body(thread_body&& other) noexcept { take(other); }
  thread_body& operator=(thread_body&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  thread_body& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  ~thread_body() { reset(); }

  void operator()() {
    assert(ops_ != nullptr);
    ops_->invoke(storage_.data());
  }
  explicit operator bool() const noexcept { return ops_ != nullptr; }

 private:
  // What the stored callable's type supplies: one table per type. A
  // trivially copyable callable stored inline (a lambda capturing
  // references and scalars, the common case) has no relocate or destroy:
  // it moves as bytes and needs no destruction, without an indirect call.
  struct operations {
    void (*invoke)(void* storage);
    void (*relocate)(void* from, void* to) noexcept;  // move, then destroy the source
    void (*destroy)(void* storage) noexcept;
  };

  static constexpr bool fits_inline(std::size_t size, std::size_t align) noexcept {
    return size <= inline_size && align <= alignof(std::max_align_t);
  }
  template <typename D>
  static constexpr bool stored_inline =
      fits_inline(sizeof(D), alignof(D)) && std::is_nothrow_move_constructible_v<D>;

  // A heap-stored callable: the storage holds a pointer to it.
  static void* heap_object(void* storage) noexcept {
    return *std::launder(static_cast<void**>(storage));
  }

  template <typename D>
  static constexpr operations ops_for = [] {
    if constexpr (stored_inline<D> && std::is_trivially_copyable_v<D>) {
      return operations{
          [](void* s) { std::invoke(*std::launder(static_cast<D*>(s))); },
          nullptr,
          nullptr,
      };
    } else if constexpr (stored_inline<D>) {
      return operations{
          [](void* s) { std::invoke(*std::launder(static_cast<D*>(s))); },
          [](void* from, void* to) noexcept {
            D* source = std::launder(static_cast<D*>(from));
            ::new (to) D(std::move(*source));
            source->~D();
          },
          [](void* s) noexcept { std::launder(static_cast<D*>(s))->~D(); },
      };
    } else {
      return operations{
          [](void* s) { std::invoke(*static_cast<D*>(heap_object(s))); },
          [](void* from, void* to) noexcept { ::new (to) void*(heap_object(from)); },
          [](void* s) noexcept { delete static_cast<D*>(heap_object(s)); },
      };
    }
  }();

  void take(thread_body& other) noexcept {
    if (other.ops_ == nullptr) return;
    if (other.ops_->relocate != nullptr) {
      other.ops_->relocate(other.storage_.data(), storage_.data());
    } else {
      storage_ = other.storage_;
    }
    ops_ = std::exchange(other.ops_, nullptr);
  }
  void reset() noexcept {
    if (ops_ == nullptr) return;
    const operations* ops = std::exchange(ops_, nullptr);
    if (ops->destroy != nullptr) ops->destroy(storage_.data());
  }

  alignas(std::max_align_t) std::array<std::byte, inline_size> storage_;
  const operations* ops_ = nullptr;
};

}  // namespace weft::seam
