#include "rt/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cxxabi.h>

#include <new>

#include "rt/sanitizers.hpp"

namespace weft::rt {

namespace ctx = boost::context::detail;

namespace {

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
    : pool_(pool),
      stack_(pool.acquire()),
      entry_(entry),
      arg_(arg),
      // Per OS thread, and a fiber stays on the OS thread that made it: the
      // lookup (a call into the C++ runtime) is done once, not per switch.
      eh_globals_(&current_eh_globals()) {
  self_ = ctx::make_fcontext(stack_.top(), stack_.size, &fiber::trampoline);
  tsan_fiber_ = tsan_create_fiber();
}

fiber::~fiber() {
  tsan_destroy_fiber(tsan_fiber_);
  pool_.release(stack_);
}

void fiber::rearm() noexcept {
  // Frames of an abandoned run may still be poisoned.
  unpoison_stack(stack_.bottom, stack_.size);
  self_ = ctx::make_fcontext(stack_.top(), stack_.size, &fiber::trampoline);
  scheduler_ = nullptr;
  finished_ = false;
  eh_caught_ = nullptr;
  eh_uncaught_ = 0;
  // TSan's fiber keeps a shadow call stack: the trampoline's frame (it never
  // returns) and, after an abandoned run, every frame that was live. A new
  // TSan fiber starts it empty.
  tsan_destroy_fiber(tsan_fiber_);
  tsan_fiber_ = tsan_create_fiber();
  // ASan's fake stack of a finished run was released by its last switch;
  // one of an abandoned run is dropped, as when an abandoned fiber is
  // destroyed.
  asan_fake_stack_ = nullptr;
}

void fiber::resume() {
  scheduler_side side;
  eh_globals& globals = *static_cast<eh_globals*>(eh_globals_);
  side.globals = globals;
  load_eh_globals();
  scheduler_ = &side;
  side.tsan_fiber = tsan_current_fiber();
  asan_start_switch(&side.asan_fake_stack, stack_.bottom, stack_.size);
  tsan_switch_to(tsan_fiber_);
  switch_record out{nullptr, this};
  const ctx::transfer_t back = ctx::jump_fcontext(self_, &out);
  asan_finish_switch(side.asan_fake_stack, nullptr, nullptr);
  // Whichever fiber came back (it saved its exception globals) continues
  // from here next time.
  static_cast<switch_record*>(back.data)->from->self_ = back.fctx;
  globals = side.globals;
}

void fiber::exit() {
  finished_ = true;
  save_eh_globals();
  scheduler_side& side = *scheduler_;
  // A null fake-stack slot tells ASan this fiber's fake stack can go.
  asan_start_switch(nullptr, side.asan_bottom, side.asan_size);
  tsan_switch_to(side.tsan_fiber);
  switch_record out{this, nullptr};
  ctx::jump_fcontext(side.context, &out);
  __builtin_unreachable();
}

void fiber::finish_to(fiber& next) {
  finished_ = true;
  next.load_eh_globals();
  next.scheduler_ = scheduler_;
  // A null fake-stack slot tells ASan this fiber's fake stack can go.
  asan_start_switch(nullptr, next.stack_.bottom, next.stack_.size);
  tsan_switch_to(next.tsan_fiber_);
  switch_record out{this, &next};
  ctx::jump_fcontext(next.self_, &out);
  __builtin_unreachable();
}

void fiber::trampoline(ctx::transfer_t from) {
  fiber* self = static_cast<const switch_record*>(from.data)->to;
  self->land(from);
  // The entry function catches everything: nothing may unwind past the
  // first frame of a fiber.
  self->entry_(self->arg_);
  self->exit();
}

}  // namespace weft::rt
