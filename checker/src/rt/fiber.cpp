#include "rt/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cxxabi.h>

#include <new>

#include "rt/sanitizers.hpp"

namespace weft::rt {

namespace ctx = boost::context::detail;

namespace {

// The C++ runtime keeps the exceptions being handled (a stack) and the count
// of uncaught ones per OS thread. Fibers share the OS thread, so each fiber
// gets its own copy, swapped in and out at every switch; otherwise a fiber
// that switches inside a catch block would pop another fiber's exception.
// The layout is the Itanium C++ ABI's __cxa_eh_globals.
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

eh_globals& current_eh_globals() noexcept {
  return *reinterpret_cast<eh_globals*>(abi::__cxa_get_globals());
}

}  // namespace

stack_pool::stack_pool(std::size_t stack_size) : stack_size_(stack_size) {}

stack_pool::~stack_pool() {
  for (const stack& s : free_)
    ::munmap(s.base, s.mapped);
}

stack stack_pool::acquire() {
  if (!free_.empty()) {
    stack s = free_.back();
    free_.pop_back();
    return s;
  }
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t usable = (stack_size_ + page - 1) / page * page;
  const std::size_t mapped = usable + page;
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  // A guard page below the stack turns an overflow into a fault, not
  // silent corruption of a neighbouring stack.
  ::mprotect(base, page, PROT_NONE);
  ++allocated_;
  return stack{base, mapped, static_cast<char*>(base) + page, usable};
}

void stack_pool::release(stack s) noexcept {
  // Frames left behind by the previous fiber may still be poisoned.
  unpoison_stack(s.bottom, s.size);
  free_.push_back(s);
}

fiber::fiber(stack_pool& pool, entry_fn entry, void* arg)
    : pool_(pool), stack_(pool.acquire()), entry_(entry), arg_(arg) {
  self_ = ctx::make_fcontext(stack_.top(), stack_.size, &fiber::trampoline);
  tsan_fiber_ = tsan_create_fiber();
}

fiber::~fiber() {
  tsan_destroy_fiber(tsan_fiber_);
  pool_.release(stack_);
}

void fiber::resume() {
  eh_globals& globals = current_eh_globals();
  const eh_globals scheduler_globals = globals;
  globals = {eh_caught_, eh_uncaught_};
  tsan_caller_ = tsan_current_fiber();
  asan_start_switch(&asan_caller_fake_stack_, stack_.bottom, stack_.size);
  tsan_switch_to(tsan_fiber_);
  ctx::transfer_t back = ctx::jump_fcontext(self_, this);
  asan_finish_switch(asan_caller_fake_stack_, nullptr, nullptr);
  self_ = back.fctx;
  eh_caught_ = globals.caught_exceptions;
  eh_uncaught_ = globals.uncaught_exceptions;
  globals = scheduler_globals;
}

void fiber::suspend() {
  asan_start_switch(&asan_fake_stack_, asan_caller_bottom_, asan_caller_size_);
  tsan_switch_to(tsan_caller_);
  ctx::transfer_t from = ctx::jump_fcontext(caller_, nullptr);
  caller_ = from.fctx;
  land();
}

void fiber::land() {
  asan_finish_switch(asan_fake_stack_, &asan_caller_bottom_, &asan_caller_size_);
}

void fiber::exit() {
  finished_ = true;
  // A null fake-stack slot tells ASan this fiber's fake stack can go.
  asan_start_switch(nullptr, asan_caller_bottom_, asan_caller_size_);
  tsan_switch_to(tsan_caller_);
  ctx::jump_fcontext(caller_, nullptr);
  __builtin_unreachable();
}

void fiber::trampoline(ctx::transfer_t from) {
  auto* self = static_cast<fiber*>(from.data);
  self->caller_ = from.fctx;
  self->land();
  // The entry function catches everything: nothing may unwind past the
  // first frame of a fiber.
  self->entry_(self->arg_);
  self->exit();
}

}  // namespace weft::rt
