package io.chainmesh.engine.broadcast;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Anti-replay state of one origin: the highest batch sequence committed and a sliding bitmap of the
 * {@code windowBits} sequences below it, plus the highest contiguous sequence for repair digests.
 * <p>
 * Checking and committing are separate so a batch is marked seen only <em>after</em> its signature
 * verifies: a forged copy that fails verification leaves no trace and cannot block the real one.
 * Memory is fixed at construction ({@code windowBits / 8} bytes), so the total grows with members,
 * never with messages.
 * <p>
 * Single writer: owned by the pipeline's commit stage. Other threads may only call
 * {@link #isKnownDuplicate(long)}, a racy read that can miss a commit (and then the batch is verified
 * and found duplicate later) but never reports a sequence the window would still accept.
 */
public final class ReplayWindow
{
    /** {@link #check} result: never seen, inside or ahead of the window. */
    public static final int NEW = 0;
    /** {@link #check} result: already committed. */
    public static final int DUPLICATE = 1;
    /** {@link #check} result: older than the window; cannot be told apart from a replay. */
    public static final int STALE = 2;

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle PUBLISHED_HIGHEST;

    static
    {
        try
        {
            PUBLISHED_HIGHEST = MethodHandles.lookup().findVarHandle(ReplayWindow.class, "publishedHighest", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long[] bits;
    /** {@link #highest} as readers on other threads see it: written (release) after the bits it covers. */
    @SuppressWarnings("unused")
    private long publishedHighest = -1;
    private final int windowBits;
    private final int mask;
    private long highest;
    private long contiguous;
    private long windowOverruns;
    private long first;
    private boolean started;
    private boolean skipped;

    /**
     * @param windowBits number of sequences remembered below the highest, a power of two in [64, 2^20].
     */
    public ReplayWindow(final int windowBits)
    {
        if (windowBits < 64 || windowBits > (1 << 20) || Integer.bitCount(windowBits) != 1)
        {
            throw new IllegalArgumentException("windowBits=" + windowBits + " must be a power of two in [64, 1048576]");
        }
        this.windowBits = windowBits;
        this.mask = windowBits - 1;
        this.bits = new long[windowBits >>> 6];
    }

    /**
     * Classifies a sequence without changing state.
     *
     * @param seq batch sequence.
     * @return {@link #NEW}, {@link #DUPLICATE} or {@link #STALE}.
     */
    public int check(final long seq)
    {
        if (!started || seq > highest)
        {
            return NEW;
        }
        if (highest - seq >= windowBits)
        {
            return STALE;
        }
        return isSet(seq) ? DUPLICATE : NEW;
    }

    /**
     * Whether a sequence is already committed, from any thread: for skipping the verification of copies
     * known to be duplicates. Racy by design: a commit not yet visible reads as "not known" (the batch is
     * then verified and the commit stage finds the duplicate). It never reads "known" for a sequence the
     * window would still accept: a bit is cleared before a highest that passes it is published, and a
     * bit shared with a newer sequence is only set once this one is below the window.
     *
     * @param seq batch sequence.
     * @return true if committed (or, racing, already below the window).
     */
    public boolean isKnownDuplicate(final long seq)
    {
        final long published = (long)PUBLISHED_HIGHEST.getAcquire(this);
        if (published < 0 || seq > published || published - seq >= windowBits)
        {
            return false;
        }
        final int bit = (int)(seq & mask);
        return ((long)WORDS.getOpaque(bits, bit >>> 6) & (1L << (bit & 63))) != 0;
    }

    /**
     * Marks a verified sequence as committed.
     *
     * @param seq batch sequence whose signature has verified.
     * @return true if newly committed; false if it was a duplicate or stale (deliver nothing).
     */
    public boolean commit(final long seq)
    {
        if (!started)
        {
            started = true;
            first = seq;
            highest = seq;
            contiguous = seq;
            set(seq);
            PUBLISHED_HIGHEST.setRelease(this, highest);
            return true;
        }
        if (seq > highest)
        {
            clearAbove(seq);
            highest = seq;
            set(seq);
            if (seq - contiguous > windowBits)
            {
                // A gap fell out of the window before repair filled it: give it up, visibly.
                contiguous = seq - windowBits;
                windowOverruns++;
                skipped = true;
            }
            advanceContiguous();
            PUBLISHED_HIGHEST.setRelease(this, highest);
            return true;
        }
        if (highest - seq >= windowBits || isSet(seq))
        {
            return false;
        }
        set(seq);
        advanceContiguous();
        PUBLISHED_HIGHEST.setRelease(this, highest);
        return true;
    }

    /**
     * Declares everything up to {@code seq} as no longer obtainable (e.g. beyond the origin's
     * retention), so the contiguous mark can move past the gap. Never beyond the highest committed: what
     * lies above it is a claim until a verified batch shows it.
     *
     * @param seq last sequence given up on.
     * @return how many sequences were given up (never committed).
     */
    public long skipTo(final long seq)
    {
        if (!started || seq <= contiguous)
        {
            return 0;
        }
        skipped = true;
        final long target = Math.min(seq, highest);
        long givenUp = 0;
        long s = contiguous + 1;
        final long windowStart = highest - windowBits + 1;
        if (s < windowStart)
        {
            // Below what the bitmap tells apart nothing can be committed any more: counted, not visited (an
            // origin that restarted leaves a gap of a clock's worth of sequences).
            final long end = Math.min(target, windowStart - 1);
            givenUp += end - s + 1;
            s = end + 1;
        }
        for (; s <= target; s++)
        {
            if (!isSet(s))
            {
                givenUp++;
            }
        }
        contiguous = target;
        advanceContiguous();
        return givenUp;
    }

    /**
     * Moves the start of the window down to a lower bound learnt after the first commit: a member that
     * joins an origin's stream mid-way commits the first batch it sees, then learns from a peer which
     * older batches can still be had (the oldest that peer retains). The contiguous mark then starts
     * below them, so they are asked for until they arrive, like any other gap. Only before anything was
     * skipped, and never below what the bitmap can still tell apart ({@code highest - windowBits}).
     *
     * @param floor the last sequence not to wait for (one below the oldest obtainable).
     * @return how many sequences the window now waits for that it did not before (0 if unchanged).
     */
    public long rebase(final long floor)
    {
        if (!started || skipped)
        {
            return 0;
        }
        final long lowest = Math.max(floor, highest - windowBits);
        if (lowest >= first - 1 || lowest >= contiguous)
        {
            return 0;
        }
        final long before = contiguous;
        contiguous = lowest;
        first = lowest + 1;
        advanceContiguous();
        return before - contiguous;
    }

    /**
     * Gives up on the gap just above the contiguous mark: moves it to the next committed sequence (or
     * the highest). Used when a gap has stayed unfilled longer than anyone retains batches.
     *
     * @return how many sequences were given up.
     */
    public long skipGap()
    {
        if (!started || contiguous >= highest)
        {
            return 0;
        }
        long next = Math.max(contiguous + 1, highest - windowBits + 1);
        while (next < highest && !isSet(next))
        {
            next++;
        }
        return skipTo(next - 1);
    }

    /**
     * @param seq a sequence (usually the contiguous mark).
     * @return the lowest committed sequence above it inside the window, or {@link Long#MAX_VALUE} if none
     *         (nothing committed above it: what is missing there is a tail, not a hole).
     */
    public long nextCommittedAbove(final long seq)
    {
        if (!started || seq >= highest)
        {
            return Long.MAX_VALUE;
        }
        long next = Math.max(seq + 1, highest - windowBits + 1);
        while (next < highest && !isSet(next))
        {
            next++;
        }
        return next;
    }

    /**
     * @return the lowest sequence the window starts from (the first committed, or one above the floor
     *         given to {@link #rebase}), or -1 before the first.
     */
    public long first()
    {
        return started ? first : -1;
    }

    /**
     * @return the highest committed sequence, or -1 before the first.
     */
    public long highest()
    {
        return started ? highest : -1;
    }

    /**
     * @return the highest sequence such that every sequence from the first committed up to it has
     *         been committed (or skipped), or -1 before the first.
     */
    public long contiguous()
    {
        return started ? contiguous : -1;
    }

    /**
     * @return how many times a gap fell out of the window before it was filled.
     */
    public long windowOverruns()
    {
        return windowOverruns;
    }

    private void advanceContiguous()
    {
        while (contiguous < highest && isSet(contiguous + 1))
        {
            contiguous++;
        }
    }

    /** Clears the bits of the sequences in (highest, seq), which the window is about to move over. */
    private void clearAbove(final long seq)
    {
        if (seq - highest > windowBits)
        {
            for (int i = 0; i < bits.length; i++)
            {
                WORDS.setOpaque(bits, i, 0L);
            }
        }
        else
        {
            for (long s = highest + 1; s < seq; s++)
            {
                clear(s);
            }
        }
    }

    private boolean isSet(final long seq)
    {
        final int bit = (int)(seq & mask);
        return (bits[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    private void set(final long seq)
    {
        final int bit = (int)(seq & mask);
        WORDS.setOpaque(bits, bit >>> 6, bits[bit >>> 6] | 1L << (bit & 63));
    }

    private void clear(final long seq)
    {
        final int bit = (int)(seq & mask);
        WORDS.setOpaque(bits, bit >>> 6, bits[bit >>> 6] & ~(1L << (bit & 63)));
    }
}
