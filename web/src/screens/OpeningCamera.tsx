// The camera for account opening: the live view from getUserMedia, and one frame of it drawn to a
// canvas and taken as a JPEG. The front camera's view is shown mirrored, as a mirror is; the
// frame taken is not (the server reads TURN_LEFT on the unmirrored frame).
import { useEffect, useRef, useState } from 'preact/hooks';

import { t } from '../i18n';

/** A photo to upload, with a data: URL to show it by (the page's CSP lets data: images in). */
export type Photo = { file: File; preview: string };

export function photoOfFile(file: File): Promise<Photo> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ file, preview: String(reader.result) });
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function Camera({ facing, label, onPhoto, onUnavailable }: {
  facing: 'user' | 'environment'; label: string; onPhoto: (photo: Photo) => void; onUnavailable: () => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let closed = false;
    const wanted = { video: { facingMode: facing, width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false };
    if (!navigator.mediaDevices?.getUserMedia) {
      onUnavailable();
      return undefined;
    }
    navigator.mediaDevices.getUserMedia(wanted).then((opened) => {
      stream = opened;
      if (closed) opened.getTracks().forEach((track) => track.stop());
      else if (video.current) video.current.srcObject = opened;
    }, () => { if (!closed) onUnavailable(); });
    return () => {
      closed = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [facing]);

  const take = () => {
    const view = video.current;
    if (!view || !view.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = view.videoWidth;
    canvas.height = view.videoHeight;
    canvas.getContext('2d')!.drawImage(view, 0, 0);
    const preview = canvas.toDataURL('image/jpeg', 0.92);
    canvas.toBlob((blob) => {
      if (blob) onPhoto({ file: new File([blob], 'camera.jpg', { type: 'image/jpeg' }), preview });
    }, 'image/jpeg', 0.92);
  };

  return (
    <div class="camera">
      <video ref={video} id="camera-view" class={facing === 'user' ? 'mirrored' : undefined} autoPlay muted playsInline
             aria-label={t('opening_camera_preview')} onLoadedData={() => setReady(true)} />
      <button type="button" id="camera-take" class="primary" disabled={!ready} onClick={take}>{label}</button>
    </div>
  );
}
