package io.chainmesh.codec.control;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.chainmesh.codec.CodecException;
import io.chainmesh.codec.frame.FrameDescriptor;
import io.chainmesh.codec.frame.FrameType;
import io.chainmesh.codec.frame.Frames;
import io.netty.buffer.ByteBuf;

/**
 * Parses control frames (Protobuf bodies) and checks every field's size, so the engine can trust
 * what it gets. Input is a whole frame, header included, as {@link io.chainmesh.codec.frame.FrameDecoder}
 * emits it (first byte at the reader index); the frame is neither consumed nor released.
 * <p>
 * Every failure is a {@link CodecException} whose message names the message, the field and the value,
 * e.g. {@code "HELLO public_key length 12 must be 33"} or
 * {@code "HELLO body is not a valid Hello message: ..."}. Not on the hot path: parsing allocates.
 * Enum fields with values this version does not know are kept ({@code UNRECOGNIZED}) for forward
 * compatibility; callers treat them as unspecified.
 */
public final class ControlCodec
{
    /** Length of {@code Hello.public_key}, {@code PeerInfo.node_id}, {@code BenchReport.node_id}. */
    public static final int NODE_ID_LENGTH = 33;
    /** Length of {@code Hello.member}: a collateral txhash (32 bytes) and output index (u32). */
    public static final int MEMBER_LENGTH = 36;
    /** Length of {@code Hello.nonce}. */
    public static final int NONCE_LENGTH = 32;
    /** Length of a non-empty {@code Hello.ephemeral_key} (X25519). */
    public static final int EPHEMERAL_KEY_LENGTH = 32;
    /** Length of {@code Auth.signature} and a non-empty {@code BenchReport.signature}. */
    public static final int SIGNATURE_LENGTH = 64;
    /** Largest {@code Close.text} and {@code BenchReport.tier_reason}, in chars. */
    public static final int MAX_TEXT_LENGTH = 1024;
    /** Largest {@code PeerInfo.host} (a DNS name), in chars. */
    public static final int MAX_HOST_LENGTH = 253;
    /** Largest short string fields (versions, architecture), in chars. */
    public static final int MAX_SHORT_TEXT_LENGTH = 64;
    /** Largest number of entries in {@code Digest.origins} and {@code Want.ranges}. */
    public static final int MAX_ENTRIES = 65536;

    private ControlCodec()
    {
    }

    /**
     * Parses any control frame by its type byte.
     *
     * @param frame a whole control frame (not released).
     * @return the checked message: {@link Hello}, {@link Auth}, {@link Close}, {@link PeerInfo},
     *         {@link BenchReport}, {@link Digest}, {@link Want} or {@link WantMiss}.
     * @throws CodecException if the type is not a control type or the frame is malformed.
     */
    public static MessageLite parse(final ByteBuf frame)
    {
        Frames.checkWholeFrame(frame);
        final int type = Frames.type(frame);
        switch (type)
        {
            case FrameType.HELLO: return parseHello(frame);
            case FrameType.AUTH: return parseAuth(frame);
            case FrameType.CLOSE: return parseClose(frame);
            case FrameType.PEER_INFO: return parsePeerInfo(frame);
            case FrameType.BENCH_REPORT: return parseBenchReport(frame);
            case FrameType.DIGEST: return parseDigest(frame);
            case FrameType.WANT: return parseWant(frame);
            case FrameType.WANT_MISS: return parseWantMiss(frame);
            default: throw new CodecException("frame type " + FrameType.name(type) + " is not a control type");
        }
    }

    /**
     * @param frame a whole HELLO frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static Hello parseHello(final ByteBuf frame)
    {
        final Hello hello = parseBody(frame, FrameType.HELLO, Hello.parser(), "Hello");
        checkLength("HELLO", "public_key", hello.getPublicKey(), NODE_ID_LENGTH);
        checkLength("HELLO", "member", hello.getMember(), MEMBER_LENGTH);
        checkLength("HELLO", "nonce", hello.getNonce(), NONCE_LENGTH);
        final int ephemeral = hello.getEphemeralKey().size();
        if (ephemeral != 0 && ephemeral != EPHEMERAL_KEY_LENGTH)
        {
            throw new CodecException("HELLO ephemeral_key length " + ephemeral + " must be 0 or " + EPHEMERAL_KEY_LENGTH);
        }
        return hello;
    }

    /**
     * @param frame a whole AUTH frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static Auth parseAuth(final ByteBuf frame)
    {
        final Auth auth = parseBody(frame, FrameType.AUTH, Auth.parser(), "Auth");
        checkLength("AUTH", "signature", auth.getSignature(), SIGNATURE_LENGTH);
        return auth;
    }

    /**
     * @param frame a whole CLOSE frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static Close parseClose(final ByteBuf frame)
    {
        final Close close = parseBody(frame, FrameType.CLOSE, Close.parser(), "Close");
        checkText("CLOSE", "text", close.getText(), MAX_TEXT_LENGTH);
        return close;
    }

    /**
     * @param frame a whole PEER_INFO frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static PeerInfo parsePeerInfo(final ByteBuf frame)
    {
        final PeerInfo info = parseBody(frame, FrameType.PEER_INFO, PeerInfo.parser(), "PeerInfo");
        checkLength("PEER_INFO", "node_id", info.getNodeId(), NODE_ID_LENGTH);
        checkText("PEER_INFO", "host", info.getHost(), MAX_HOST_LENGTH);
        if (info.getPort() > 65535)
        {
            throw new CodecException("PEER_INFO port " + Integer.toUnsignedLong(info.getPort()) + " exceeds 65535");
        }
        checkText("PEER_INFO", "version", info.getVersion(), MAX_SHORT_TEXT_LENGTH);
        return info;
    }

    /**
     * @param frame a whole BENCH_REPORT frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static BenchReport parseBenchReport(final ByteBuf frame)
    {
        final BenchReport report = parseBody(frame, FrameType.BENCH_REPORT, BenchReport.parser(), "BenchReport");
        checkLength("BENCH_REPORT", "node_id", report.getNodeId(), NODE_ID_LENGTH);
        checkText("BENCH_REPORT", "bench_version", report.getBenchVersion(), MAX_SHORT_TEXT_LENGTH);
        checkText("BENCH_REPORT", "tier_reason", report.getTierReason(), MAX_TEXT_LENGTH);
        checkText("BENCH_REPORT", "architecture", report.getArchitecture(), MAX_SHORT_TEXT_LENGTH);
        final int signature = report.getSignature().size();
        if (signature != 0 && signature != SIGNATURE_LENGTH)
        {
            throw new CodecException("BENCH_REPORT signature length " + signature + " must be 0 or " + SIGNATURE_LENGTH);
        }
        return report;
    }

    /**
     * @param frame a whole DIGEST frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static Digest parseDigest(final ByteBuf frame)
    {
        final Digest digest = parseBody(frame, FrameType.DIGEST, Digest.parser(), "Digest");
        checkCount("DIGEST", "origins", digest.getOriginsCount());
        for (int i = 0, n = digest.getOriginsCount(); i < n; i++)
        {
            final OriginProgress progress = digest.getOrigins(i);
            if (Long.compareUnsigned(progress.getContiguousSeq(), progress.getHighestSeq()) > 0)
            {
                throw new CodecException("DIGEST origins[" + i + "] contiguous_seq " +
                    Long.toUnsignedString(progress.getContiguousSeq()) + " exceeds highest_seq " +
                    Long.toUnsignedString(progress.getHighestSeq()));
            }
        }
        final DigestProgress.Reader packed = new DigestProgress.Reader().wrap(digest.getProgress());
        int entries = digest.getOriginsCount();
        while (packed.next())
        {
            entries++;
        }
        checkCount("DIGEST", "progress", entries);
        return digest;
    }

    /**
     * @param frame a whole WANT frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static Want parseWant(final ByteBuf frame)
    {
        final Want want = parseBody(frame, FrameType.WANT, Want.parser(), "Want");
        checkCount("WANT", "ranges", want.getRangesCount());
        for (int i = 0, n = want.getRangesCount(); i < n; i++)
        {
            final WantRange range = want.getRanges(i);
            if (Long.compareUnsigned(range.getAfterSeq(), range.getUpToSeq()) >= 0)
            {
                throw new CodecException("WANT ranges[" + i + "] after_seq " + Long.toUnsignedString(range.getAfterSeq()) +
                    " must be below up_to_seq " + Long.toUnsignedString(range.getUpToSeq()));
            }
        }
        return want;
    }

    /**
     * @param frame a whole WANT_MISS frame (not released).
     * @return the checked message.
     * @throws CodecException if malformed.
     */
    public static WantMiss parseWantMiss(final ByteBuf frame)
    {
        return parseBody(frame, FrameType.WANT_MISS, WantMiss.parser(), "WantMiss");
    }

    private static <T extends MessageLite> T parseBody(
        final ByteBuf frame, final int expectedType, final Parser<T> parser, final String messageName)
    {
        final int bodyLength = Frames.checkWholeFrame(frame);
        final int type = Frames.type(frame);
        final String typeName = FrameType.name(expectedType);
        if (type != expectedType)
        {
            throw new CodecException("frame type " + FrameType.name(type) + " is not " + typeName);
        }
        try
        {
            final CodedInputStream input = CodedInputStream.newInstance(
                frame.nioBuffer(frame.readerIndex() + FrameDescriptor.BODY_OFFSET, bodyLength));
            final T message = parser.parseFrom(input);
            input.checkLastTagWas(0);
            return message;
        }
        catch (final InvalidProtocolBufferException ex)
        {
            throw new CodecException(typeName + " body is not a valid " + messageName + " message: " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            // Protobuf documents only InvalidProtocolBufferException; anything else is still bad input.
            throw new CodecException(typeName + " body is not a valid " + messageName + " message: " + ex, ex);
        }
    }

    private static void checkLength(final String message, final String field, final ByteString value, final int length)
    {
        if (value.size() != length)
        {
            throw new CodecException(message + " " + field + " length " + value.size() + " must be " + length);
        }
    }

    private static void checkText(final String message, final String field, final String value, final int maxLength)
    {
        if (value.length() > maxLength)
        {
            throw new CodecException(message + " " + field + " length " + value.length() + " exceeds limit " + maxLength);
        }
    }

    private static void checkCount(final String message, final String field, final int count)
    {
        if (count > MAX_ENTRIES)
        {
            throw new CodecException(message + " " + field + " count " + count + " exceeds limit " + MAX_ENTRIES);
        }
    }
}
