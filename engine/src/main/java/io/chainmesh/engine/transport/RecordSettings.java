package io.chainmesh.engine.transport;

import io.chainmesh.engine.ChannelCipher;

/**
 * Record layer settings of a node (validated by {@code ChainmeshNode.Context#conclude()}). Only the
 * sender's values matter: the receiver follows the KEY_UPDATE flag of the records it opens.
 *
 * @param cipher              what this node seals with, or PLAINTEXT.
 * @param maxRecordPlaintext  plaintext bytes per record at most.
 * @param rekeyAfterRecords   records sealed under one key before the next key.
 * @param rekeyAfterBytes     plaintext bytes sealed under one key before the next key.
 */
public record RecordSettings(ChannelCipher cipher, int maxRecordPlaintext, long rekeyAfterRecords, long rekeyAfterBytes)
{
    /** Default record plaintext: 16 KiB, as TLS. */
    public static final int DEFAULT_MAX_RECORD_PLAINTEXT = 16 * 1024;
    /** Default records per key: 2^24. */
    public static final long DEFAULT_REKEY_AFTER_RECORDS = 1L << 24;
    /** Default bytes per key: 1 GiB. */
    public static final long DEFAULT_REKEY_AFTER_BYTES = 1L << 30;
    /** Upper bound of {@link #rekeyAfterRecords}. */
    public static final long MAX_REKEY_AFTER_RECORDS = 1L << 32;
    /** Upper bound of {@link #rekeyAfterBytes}: 2^38, within AES-GCM's per-key data limit for 16 KiB records. */
    public static final long MAX_REKEY_AFTER_BYTES = 1L << 38;
    /** Defaults: AES-GCM, 16 KiB records, rekey after 2^24 records or 1 GiB. */
    public static final RecordSettings DEFAULT = new RecordSettings(ChannelCipher.AES_GCM,
        DEFAULT_MAX_RECORD_PLAINTEXT, DEFAULT_REKEY_AFTER_RECORDS, DEFAULT_REKEY_AFTER_BYTES);

    /**
     * @return true unless {@link ChannelCipher#PLAINTEXT}.
     */
    public boolean encrypted()
    {
        return cipher != ChannelCipher.PLAINTEXT;
    }
}
