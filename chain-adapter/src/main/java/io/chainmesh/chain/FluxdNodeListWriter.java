package io.chainmesh.chain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes members in fluxd's {@code viewdeterministicfluxnodelist} entry shape (the inverse of
 * {@link FluxdNodeListParser}): used by the devnet RPC server, by file-based setups and by tests.
 * Numbers are written as fluxd writes them ({@code outidx} as a string, heights as numbers).
 * Stateless and thread-safe.
 */
public final class FluxdNodeListWriter
{
    private static final JsonFactory FACTORY = new JsonFactory();

    private FluxdNodeListWriter()
    {
    }

    /**
     * @param members entries to write, in the order given.
     * @return the bare JSON array as UTF-8.
     */
    public static byte[] toJsonArray(final List<Member> members)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(members.size() * 512 + 16);
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            writeArray(generator, members);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /**
     * Writes a JSON-RPC style envelope {@code {"height": h, "result": [...], "error": null, "id": "chainmesh"}},
     * the shape {@link JsonFileSource} reads its height from.
     *
     * @param height  chain height to record.
     * @param members entries to write.
     * @param out     destination; not closed.
     * @throws IOException if writing fails.
     */
    public static void writeEnvelope(final long height, final List<Member> members, final OutputStream out) throws IOException
    {
        try (JsonGenerator generator = FACTORY.createGenerator(out))
        {
            generator.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            generator.writeStartObject();
            generator.writeNumberField("height", height);
            generator.writeFieldName("result");
            writeArray(generator, members);
            generator.writeNullField("error");
            generator.writeStringField("id", "chainmesh");
            generator.writeEndObject();
        }
    }

    /**
     * @param generator destination.
     * @param members   entries to write as a JSON array.
     * @throws IOException if writing fails.
     */
    public static void writeArray(final JsonGenerator generator, final List<Member> members) throws IOException
    {
        generator.writeStartArray();
        for (final Member member : members)
        {
            writeEntry(generator, member);
        }
        generator.writeEndArray();
    }

    /**
     * @param generator destination.
     * @param member    the entry to write as one JSON object.
     * @throws IOException if writing fails.
     */
    public static void writeEntry(final JsonGenerator generator, final Member member) throws IOException
    {
        generator.writeStartObject();
        writeFields(generator, member);
        generator.writeEndObject();
    }

    /**
     * Writes the entry's fields into an object the caller has started.
     *
     * @param generator destination, inside an object.
     * @param member    the entry.
     * @throws IOException if writing fails.
     */
    public static void writeFields(final JsonGenerator generator, final Member member) throws IOException
    {
        generator.writeStringField("collateral", "COutPoint(" + member.txHash() + ", " + member.outputIndex() + ")");
        generator.writeStringField("txhash", member.txHash());
        generator.writeStringField("outidx", Integer.toString(member.outputIndex()));
        generator.writeStringField("ip", member.endpoint().toString());
        generator.writeStringField("network", member.endpoint().host().indexOf(':') >= 0 ? "ipv6" : "ipv4");
        generator.writeNumberField("added_height", member.addedHeight());
        generator.writeNumberField("confirmed_height", member.confirmedHeight());
        generator.writeNumberField("last_confirmed_height", member.lastConfirmedHeight());
        generator.writeNumberField("last_paid_height", member.lastPaidHeight());
        generator.writeStringField("tier", member.tier().name());
        generator.writeStringField("payment_address", member.paymentAddress());
        generator.writeStringField("pubkey", member.publicKey().toHex());
        generator.writeNumberField("rank", member.rank());
    }
}
