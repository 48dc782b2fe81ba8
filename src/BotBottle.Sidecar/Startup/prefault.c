/*
 * Linked into the Linux executables (bot-bottle-sidecar, bot-bottle-host, bot-bottle-propose); runs before the .NET runtime starts.
 *
 * A NativeAOT executable starts by rehydrating about 6 MB of runtime data into a zero-filled
 * (NOBITS) part of its writable segment. Touched a page at a time, that is some 1,500 page faults
 * per start, and in a virtual machine, where every sidecar runs on macOS and in many Linux
 * setups, each fault is a trip through the hypervisor: on the 2-core VM of build/BENCHMARKS.md
 * they were a third of `bot-bottle-sidecar --version`. Asking for transparent huge pages and
 * populating the region in one call replaces those faults with a handful. Both are hints: an older
 * kernel refuses them (EINVAL) and the runtime then faults the pages in as before.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Smaller zero-filled tails are ordinary .bss, not worth a system call; bot-bottle-propose's runtime
 * data (under 1 MB) is above it, and populating it saves that executable some 180 of its page faults. */
#define MIN_PREFAULT_BYTES (1u << 18)

static int prefault_zero_filled_tail(struct dl_phdr_info *info, size_t size, void *unused)
{
    (void)size;
    (void)unused;
    for (int i = 0; i < info->dlpi_phnum; i++)
    {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD || !(segment->p_flags & PF_W) || segment->p_memsz < segment->p_filesz + MIN_PREFAULT_BYTES)
        {
            continue;
        }

        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t start = (info->dlpi_addr + segment->p_vaddr + segment->p_filesz + page - 1) & ~(page - 1);
        uintptr_t end = (info->dlpi_addr + segment->p_vaddr + segment->p_memsz + page - 1) & ~(page - 1);
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
    }

    /* The first object is the executable itself; shared libraries are not ours to touch. */
    return 1;
}

__attribute__((constructor)) static void prefault_runtime_data(void)
{
    dl_iterate_phdr(prefault_zero_filled_tail, 0);
}
