// Cursor pages fetched as a list's end scrolls into view: the account's postings, the feed.
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Page<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** The items so far, whether more may come, and the ref to put on the list's end marker.
 * ``fetchPage`` answers null when the server refused the page (the list then ends). */
export function usePages<T, E extends HTMLElement>(
  fetchPage: (after: string | null) => Promise<Page<T> | null>,
  onFailure: (error: unknown) => void,
  first: Page<T> | null = null,
) {
  const [items, setItems] = useState<T[]>(first?.items ?? []);
  const [after, setAfter] = useState<string | null>(first?.endCursor ?? null);
  const [more, setMore] = useState(first ? first.hasNextPage : true);
  const [loading, setLoading] = useState(false);
  const end: RefObject<E> = useRef<E>(null);

  const next = async () => {
    if (loading || !more) return;
    setLoading(true);
    try {
      const page = await fetchPage(after);
      if (page) {
        setItems((shown) => [...shown, ...page.items]);
        setAfter(page.endCursor);
        setMore(page.hasNextPage);
      } else {
        setMore(false);
      }
    } catch (error) {
      onFailure(error);
      setMore(false);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    const target = end.current;
    if (!target) return undefined;
    const watcher = new IntersectionObserver((seen) => { if (seen.some((s) => s.isIntersecting)) void next(); });
    watcher.observe(target);
    return () => watcher.disconnect();
  });

  return { items, setItems, more, end };
}
